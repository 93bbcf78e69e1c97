import type {} from "@fastify/websocket";
import {
  InvalidCursorError,
  QueueFullError,
  UnknownDependencyError,
  type ControlStore,
  type RunRecord,
  type SystemMode,
  type TaskRecord
} from "@baa/control-store";
import type { EventLog } from "@baa/event-log";
import { isAppError, parseInput } from "@baa/api-errors";
import { WsCloseCodes, closeReason, websocketSchema, zodRoutes } from "@baa/http-server";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import type { TaskStreamObserver } from "../metrics/conductor-metrics.js";
import { conductorError } from "../errors.js";
import {
  cancelBody,
  createTaskBody,
  idempotencyHeaders,
  listTasksQuery,
  newTaskOf,
  runEventsQuery,
  runParams,
  taskEventsSocketQuery,
  taskParams
} from "./task-schemas.js";
import { CLOSE_BAD_REQUEST, CLOSE_NOT_FOUND, streamTaskEvents } from "./task-events-socket.js";
import type { RemoteTaskSide } from "../forwarding/run-forwarding.js";

export interface TaskRoutesDeps {
  store: ControlStore;
  /** The conductor's event log, where runs record their events. */
  events: Pick<EventLog, "subscribe" | "query" | "lastSeq">;
  /** BAA_MAX_QUEUED_TASKS: creating beyond this many waiting tasks is a 429. */
  maxQueuedTasks: number;
  /** The local claim loop: woken when work arrives, told of cancels of runs it executes. */
  scheduler?: { wake(): void; cancel(taskId: string, reason: string): boolean };
  /** Why a task's cwd/workspace cannot work on this node (a 400), or null. */
  checkWorkspace?: (cwd: string, workspace: "worktree" | "shared" | null) => Promise<string | null>;
  /** A task's live event stream is cut off past this many unsent bytes. */
  maxStreamBufferedBytes?: number;
  /** Told when a task event stream opens, closes or is cut off (the metrics). */
  streamObserver?: TaskStreamObserver;
  /** The run's folder on this node (`runsDir/<run_id>`), or null when another node ran it. */
  runFolder?: (run: RunRecord) => string | null;
  /** The system mode as this node last read it: a task created while it is not `running` is told it waits. */
  systemMode?: () => SystemMode | null;
  /** Several nodes: a task's live stream relayed from the node running it, a cancel sent on to it. */
  remote?: RemoteTaskSide;
}

/** What a new task is told when it will not start soon for a reason outside it. */
function waitNotice(mode: SystemMode | null | undefined): string | undefined {
  if (mode === "paused")
    return "the system is paused: the task waits in the queue until it is resumed (POST /v1/system/resume)";
  if (mode === "draining")
    return "the system is draining: the task waits in the queue until it is resumed (POST /v1/system/resume)";
  return undefined;
}

/** Seconds a client told "queue full" waits before trying again. */
const QUEUE_FULL_RETRY_AFTER_S = 5;

type ZodApp = ReturnType<typeof zodRoutes>;
type TaskOr404 = (params: { task_id: string }) => Promise<TaskRecord>;

/**
 * `/v1/tasks…` and `/v1/runs…`: create (idempotent with `Idempotency-Key`), list, read,
 * cancel and retry tasks, read runs and their events, and stream a task's events live.
 */
export function registerTaskRoutes(scope: FastifyInstance, deps: TaskRoutesDeps): void {
  const app = zodRoutes(scope);
  const taskOr404: TaskOr404 = async ({ task_id }) => {
    const task = await deps.store.getTask(task_id);
    if (task === undefined) throw conductorError("task_not_found", `no task ${task_id}`);
    return task;
  };
  // In the order the OpenAPI document lists them.
  registerTaskCreate(app, deps);
  registerTaskReads(app, deps, taskOr404);
  registerTaskCancelRetry(app, deps);
  registerRunReads(app, deps, taskOr404);
  registerTaskEventStream(scope, deps, taskOr404);
}

const tags = ["tasks"];

/** Create, idempotent with an `Idempotency-Key`. */
function registerTaskCreate(app: ZodApp, deps: TaskRoutesDeps): void {
  const { store } = deps;
  const createSchema = {
    operationId: "createTask",
    summary: "Create a task (idempotent with an Idempotency-Key header)",
    tags,
    body: createTaskBody,
    headers: idempotencyHeaders
  };
  app.post("/v1/tasks", { schema: createSchema }, async (request, reply) => {
    const body = request.body;
    const key = request.headers["idempotency-key"];
    if (body.cwd !== undefined && deps.checkWorkspace !== undefined) {
      const problem = await deps.checkWorkspace(body.cwd, body.workspace ?? null);
      // With runsOn the task is for the nodes with those labels: its cwd is on them, maybe not here.
      if (
        problem !== null &&
        !(body.runsOn !== undefined && problem.endsWith("does not exist on this node"))
      ) {
        throw conductorError("validation_failed", `invalid body: ${problem}`);
      }
    }
    let result: Awaited<ReturnType<typeof store.createTask>>;
    try {
      result = await store.createTask(newTaskOf(body), {
        maxQueued: deps.maxQueuedTasks,
        ...(key === undefined ? {} : { idempotencyKey: key })
      });
    } catch (error) {
      if (error instanceof QueueFullError) {
        throw conductorError(
          "queue_full",
          `the queue is full: ${error.limit} tasks are waiting (BAA_MAX_QUEUED_TASKS)`,
          {
            headers: { "retry-after": String(QUEUE_FULL_RETRY_AFTER_S) }
          }
        );
      }
      if (error instanceof UnknownDependencyError) {
        throw conductorError(
          "validation_failed",
          `invalid body: dependsOn: unknown task(s) ${error.taskIds.join(", ")}`
        );
      }
      if (error instanceof TypeError)
        throw conductorError("validation_failed", `invalid body: ${error.message}`);
      throw error;
    }
    if (result.created) {
      request.log.info({ taskId: result.task.taskId, state: result.task.state }, "task created");
      deps.scheduler?.wake();
    }
    const notice = waitNotice(deps.systemMode?.());
    return reply.status(result.created ? 201 : 200).send({
      ok: true,
      data: { task: result.task, created: result.created, ...(notice === undefined ? {} : { notice }) }
    });
  });
}

/** Cancel and retry. */
function registerTaskCancelRetry(app: ZodApp, deps: TaskRoutesDeps): void {
  const { store } = deps;
  const cancelSchema = {
    operationId: "cancelTask",
    summary: "Cancel a task (a running one stops)",
    tags,
    params: taskParams,
    body: cancelBody
  };
  app.post("/v1/tasks/:task_id/cancel", { schema: cancelSchema }, async (request, reply) => {
    const { task_id } = request.params;
    const body = request.body;
    const reason = body?.reason ?? "cancelled by request";
    const result = await store.requestCancel(task_id, reason);
    if (result === undefined) throw conductorError("task_not_found", `no task ${task_id}`);
    if (result.outcome === "already_ended")
      throw conductorError("task_ended", `task ${task_id} has already ended (${result.task.state})`);
    if (result.outcome === "busy")
      throw conductorError("task_busy", `task ${task_id} is ${result.task.state}; try again once it is done`);
    // A run on this node stops now; one on another node is sent the cancel (its progress check sees the flag anyway).
    if (result.outcome === "requested" && deps.scheduler?.cancel(task_id, reason) !== true)
      void deps.remote?.nudgeCancel(task_id, reason, request.headers);
    request.log.info({ taskId: task_id, outcome: result.outcome }, "task cancel");
    return reply
      .status(result.outcome === "cancelled" ? 200 : 202)
      .send({ ok: true, data: { task: result.task, outcome: result.outcome } });
  });

  const retrySchema = {
    operationId: "retryTask",
    summary: "Queue a failed, cancelled or timed-out task again",
    tags,
    params: taskParams
  };
  app.post("/v1/tasks/:task_id/retry", { schema: retrySchema }, async (request) => {
    const { task_id } = request.params;
    const task = await store.retryTask(task_id);
    if (task === undefined) throw conductorError("task_not_found", `no task ${task_id}`);
    if (task === null) {
      const current = await store.getTask(task_id);
      throw conductorError(
        "task_not_retryable",
        `task ${task_id} is ${current?.state ?? "not retryable"}; only failed, cancelled or timed-out tasks can be retried`
      );
    }
    deps.scheduler?.wake();
    return { ok: true, data: { task } };
  });
}

/** The task list and a task. */
function registerTaskReads(app: ZodApp, deps: TaskRoutesDeps, taskOr404: TaskOr404): void {
  const { store } = deps;
  app.get(
    "/v1/tasks",
    {
      schema: {
        operationId: "listTasks",
        summary: "List tasks, newest first, by page",
        tags,
        querystring: listTasksQuery
      }
    },
    async (request) => {
      const query = request.query;
      try {
        const page = await store.listTasks({
          limit: query.limit,
          ...(query.state === undefined ? {} : { state: query.state as never }),
          ...(query.cursor === undefined ? {} : { cursor: query.cursor })
        });
        return { ok: true, data: page };
      } catch (error) {
        if (error instanceof InvalidCursorError)
          throw conductorError("validation_failed", "invalid query: cursor: not a cursor this API returned");
        throw error;
      }
    }
  );

  app.get(
    "/v1/tasks/:task_id",
    { schema: { operationId: "getTask", summary: "A task", tags, params: taskParams } },
    async (request) => ({
      ok: true,
      data: { task: await taskOr404(request.params) }
    })
  );
}

/** A run as the API shows it: with its folder on this node, or null. */
function withFolder(deps: TaskRoutesDeps, run: RunRecord) {
  return { ...run, folder: deps.runFolder?.(run) ?? null };
}

/** A task's runs, a run with its first events, and a run's events by page. */
function registerRunReads(app: ZodApp, deps: TaskRoutesDeps, taskOr404: TaskOr404): void {
  app.get(
    "/v1/tasks/:task_id/runs",
    { schema: { operationId: "listTaskRuns", summary: "A task's runs", tags, params: taskParams } },
    async (request) => {
      const task = await taskOr404(request.params);
      return {
        ok: true,
        data: { runs: (await deps.store.listRuns(task.taskId)).map((run) => withFolder(deps, run)) }
      };
    }
  );

  const runOr404 = async ({ run_id }: { run_id: string }) => {
    const run = await deps.store.getRun(run_id);
    if (run === undefined) throw conductorError("run_not_found", `no run ${run_id}`);
    return run;
  };

  app.get(
    "/v1/runs/:run_id",
    {
      schema: {
        operationId: "getRun",
        summary: "A run with its first events",
        tags: ["runs"],
        params: runParams
      }
    },
    async (request) => {
      const run = await runOr404(request.params);
      const page = await deps.events.query({ runId: run.runId, limit: 200 });
      return {
        ok: true,
        data: { run: withFolder(deps, run), events: page.events, nextAfter: page.nextAfter }
      };
    }
  );

  const runEventsSchema = {
    operationId: "getRunEvents",
    summary: "A run's events, by page",
    tags: ["runs"],
    params: runParams,
    querystring: runEventsQuery
  };
  app.get("/v1/runs/:run_id/events", { schema: runEventsSchema }, async (request) => {
    const run = await runOr404(request.params);
    const query = request.query;
    const page = await deps.events.query({
      runId: run.runId,
      limit: query.limit,
      ...(query.after === undefined ? {} : { after: query.after }),
      ...(query.type === undefined ? {} : { type: query.type })
    });
    return { ok: true, data: { events: page.events, nextAfter: page.nextAfter } };
  });
}

/** `GET /v1/tasks/:task_id/events`: a WebSocket of the task's events, replayed then live. */
function registerTaskEventStream(scope: FastifyInstance, deps: TaskRoutesDeps, taskOr404: TaskOr404): void {
  // Parsed by the handlers: a bad query or task on the stream is a close code, not an HTTP answer
  // to the upgrade request; the schema documents the route.
  scope.route({
    method: "GET",
    url: "/v1/tasks/:task_id/events",
    schema: {
      operationId: "streamTaskEvents",
      summary: "A task's run events, replayed from `after` then live",
      tags,
      ...websocketSchema(
        "Replays the task's events after `after`, then streams live ones; 4404 for an unknown task, 4400 for a bad query, 4008 for a slow client."
      ),
      params: taskParams,
      querystring: taskEventsSocketQuery
    },
    validatorCompiler: () => (data: unknown) => ({ value: data }),
    handler: async (request) => {
      const task = await taskOr404(parseInput(taskParams, request.params, "path"));
      throw conductorError(
        "bad_request",
        `GET /v1/tasks/${task.taskId}/events is a WebSocket; connect with an Upgrade request (HTTP reads: GET /v1/runs/:run_id/events)`
      );
    },
    wsHandler: (socket, request) => void streamToSocket(socket, request, deps, taskOr404)
  });
}

/** Streams a task's events on an opened socket: relayed from the node running it, or this node's. */
async function streamToSocket(
  socket: WebSocket,
  request: FastifyRequest,
  deps: TaskRoutesDeps,
  taskOr404: TaskOr404
): Promise<void> {
  let after: number | undefined;
  let taskId: string;
  try {
    after = parseInput(taskEventsSocketQuery, request.query, "query").after;
    taskId = (await taskOr404(parseInput(taskParams, request.params, "path"))).taskId;
  } catch (error) {
    if (!isAppError(error)) {
      request.log.warn({ err: error }, "task event stream refused: the store is not reachable");
      socket.close(WsCloseCodes.tryAgainLater, "the control store is not reachable; try again shortly");
    } else
      socket.close(error.status === 404 ? CLOSE_NOT_FOUND : CLOSE_BAD_REQUEST, closeReason(error.message));
    return;
  }
  if (socket.readyState !== socket.OPEN) return;
  const relayed = await deps.remote?.attachStream(socket, taskId, request).catch((error: unknown) => {
    request.log.warn(
      { err: error, taskId },
      "could not find the node running the task; streaming this node's events"
    );
    return false;
  });
  if (relayed === true) return;
  if (after !== undefined && after > deps.events.lastSeq) {
    socket.close(
      CLOSE_BAD_REQUEST,
      closeReason(`after=${after} is beyond the last recorded seq ${deps.events.lastSeq}`)
    );
    return;
  }
  streamTaskEvents({
    socket,
    events: deps.events,
    taskId,
    after,
    maxBufferedBytes: deps.maxStreamBufferedBytes ?? 4 * 1024 * 1024,
    ...(deps.streamObserver === undefined ? {} : { observer: deps.streamObserver })
  });
}
