import type { ControlStore, ScheduleRecord } from "@baa/control-store";
import { zodRoutes } from "@baa/http-server";
import type { FastifyInstance } from "fastify";
import { conductorError } from "../errors.js";
import { nextFireAfter, scheduleProblem } from "./cron-schedule.js";
import { newTaskOf } from "../tasks/task-schemas.js";
import { createScheduleBody, scheduleParams } from "./schedule-schemas.js";

export interface ScheduleRoutesDeps {
  store: Pick<
    ControlStore,
    "createSchedule" | "listSchedules" | "getSchedule" | "deleteSchedule" | "setSchedulePaused" | "now"
  >;
  /** Why a task's cwd/workspace cannot work on this node (a 400), or null. */
  checkWorkspace?: (cwd: string, workspace: "worktree" | "shared" | null) => Promise<string | null>;
  /** The leader's schedule loop on this node, told of a new or resumed schedule. */
  wake?: () => void;
}

type ZodApp = ReturnType<typeof zodRoutes>;
type ScheduleStore = ScheduleRoutesDeps["store"];

const tags = ["schedules"];

/** `/v1/schedules…`: create, list, read, pause, resume and delete schedules. */
export function registerScheduleRoutes(scope: FastifyInstance, deps: ScheduleRoutesDeps): void {
  const app = zodRoutes(scope);
  registerScheduleCreate(app, deps);
  registerScheduleReads(app, deps.store);
  registerScheduleDelete(app, deps.store);
  registerPauseAndResume(app, deps);
}

/** The schedule's next fire after the store's now; a cron that never fires again is a 400. */
async function nextFire(store: ScheduleStore, schedule: { cron: string; timezone: string }): Promise<string> {
  const next = nextFireAfter(schedule.cron, schedule.timezone, (await store.now()).toISOString());
  if (next === null)
    throw conductorError("validation_failed", `invalid body: cron: ${schedule.cron} never fires again`);
  return next;
}

async function scheduleOr404(store: ScheduleStore, scheduleId: string): Promise<ScheduleRecord> {
  const schedule = await store.getSchedule(scheduleId);
  if (schedule === undefined) throw conductorError("schedule_not_found", `no schedule ${scheduleId}`);
  return schedule;
}

function registerScheduleCreate(app: ZodApp, deps: ScheduleRoutesDeps): void {
  const { store } = deps;
  const summary = "Create a schedule: a cron that creates a task at each fire";
  app.post(
    "/v1/schedules",
    { schema: { operationId: "createSchedule", summary, tags, body: createScheduleBody } },
    async (request, reply) => {
      const body = request.body;
      const problem = scheduleProblem(body.cron, body.timezone);
      if (problem !== null)
        throw conductorError("validation_failed", `invalid body: ${problem.field}: ${problem.message}`);
      if (body.task.cwd !== undefined && deps.checkWorkspace !== undefined) {
        const workspaceProblem = await deps.checkWorkspace(body.task.cwd, body.task.workspace ?? null);
        if (workspaceProblem !== null)
          throw conductorError("validation_failed", `invalid body: task: ${workspaceProblem}`);
      }
      let schedule: ScheduleRecord;
      try {
        schedule = await store.createSchedule({
          ...body,
          task: newTaskOf(body.task),
          nextFireAt: await nextFire(store, body)
        });
      } catch (error) {
        if (error instanceof TypeError)
          throw conductorError("validation_failed", `invalid body: ${error.message}`);
        throw error;
      }
      const { scheduleId, cron, timezone, nextFireAt } = schedule;
      request.log.info({ scheduleId, cron, timezone, nextFireAt }, "schedule created");
      deps.wake?.();
      return reply.status(201).send({ ok: true, data: { schedule } });
    }
  );
}

function registerScheduleReads(app: ZodApp, store: ScheduleStore): void {
  app.get(
    "/v1/schedules",
    {
      schema: {
        operationId: "listSchedules",
        summary: "Every schedule with its next fire, oldest first",
        tags
      }
    },
    async () => ({
      ok: true,
      data: { schedules: await store.listSchedules() }
    })
  );

  app.get(
    "/v1/schedules/:schedule_id",
    { schema: { operationId: "getSchedule", summary: "A schedule", tags, params: scheduleParams } },
    async (request) => ({
      ok: true,
      data: { schedule: await scheduleOr404(store, request.params.schedule_id) }
    })
  );
}

function registerScheduleDelete(app: ZodApp, store: ScheduleStore): void {
  const summary = "Delete a schedule (the tasks it created stay)";
  app.delete(
    "/v1/schedules/:schedule_id",
    { schema: { operationId: "deleteSchedule", summary, tags, params: scheduleParams } },
    async (request) => {
      const schedule = await scheduleOr404(store, request.params.schedule_id);
      if (!(await store.deleteSchedule(schedule.scheduleId)))
        throw conductorError("schedule_not_found", `no schedule ${schedule.scheduleId}`);
      request.log.info({ scheduleId: schedule.scheduleId }, "schedule deleted");
      return { ok: true, data: { schedule, deleted: true } };
    }
  );
}

function registerPauseAndResume(app: ZodApp, deps: ScheduleRoutesDeps): void {
  const { store } = deps;
  const pauseSummary = "Pause a schedule (no fires until resumed)";
  app.post(
    "/v1/schedules/:schedule_id/pause",
    { schema: { operationId: "pauseSchedule", summary: pauseSummary, tags, params: scheduleParams } },
    async (request) => {
      const schedule = await store.setSchedulePaused(request.params.schedule_id, true, null);
      if (schedule === undefined)
        throw conductorError("schedule_not_found", `no schedule ${request.params.schedule_id}`);
      return { ok: true, data: { schedule } };
    }
  );

  const resumeSchema = {
    operationId: "resumeSchedule",
    summary: "Resume a schedule from its next fire after now (the paused fires are not caught up)",
    tags,
    params: scheduleParams
  };
  app.post("/v1/schedules/:schedule_id/resume", { schema: resumeSchema }, async (request) => {
    const current = await scheduleOr404(store, request.params.schedule_id);
    const schedule = await store.setSchedulePaused(current.scheduleId, false, await nextFire(store, current));
    if (schedule === undefined)
      throw conductorError("schedule_not_found", `no schedule ${current.scheduleId}`);
    deps.wake?.();
    return { ok: true, data: { schedule } };
  });
}
