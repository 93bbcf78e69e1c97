import type { Selectable } from "kysely";
import { checkNewTask } from "./new-task-checks.js";
import { holdsLease } from "./lease.js";
import { isoOf, isoOrNull, toTaskRecord } from "./row-mapping.js";
import {
  CATCH_UP_MODES,
  type CatchUp,
  type FireOutcome,
  type NewSchedule,
  type ScheduleFire,
  type ScheduleRecord,
  type ScheduledTask
} from "./schedule-records.js";
import type { SchedulesTable } from "./schema.js";
import { normalizeTime, rowLocks, type StoreContext, type Trx } from "./store-context.js";
import { newTaskColumns } from "./new-task-columns.js";
import { randomUUID } from "node:crypto";

export function toScheduleRecord(row: Selectable<SchedulesTable>): ScheduleRecord {
  return {
    scheduleId: row.schedule_id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    paused: Number(row.paused) === 1,
    catchUp: row.catch_up as CatchUp,
    nextFireAt: isoOrNull(row.next_fire_at),
    lastFireAt: isoOrNull(row.last_fire_at),
    lastTaskId: row.last_task_id,
    task: JSON.parse(row.task) as ScheduledTask,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at)
  };
}

function checkNewSchedule(schedule: NewSchedule): void {
  for (const field of ["name", "cron", "timezone"] as const) {
    if (typeof schedule[field] !== "string" || schedule[field].length === 0)
      throw new TypeError(`${field} must be a non-empty string`);
  }
  if (!CATCH_UP_MODES.includes(schedule.catchUp))
    throw new TypeError(`catchUp must be one of ${CATCH_UP_MODES.join(", ")}`);
  if (typeof schedule.task !== "object" || schedule.task === null)
    throw new TypeError("task must be an object");
  if ("dependsOn" in schedule.task || "notBefore" in schedule.task)
    throw new TypeError("task: dependsOn and notBefore do not apply to a schedule");
  checkNewTask(schedule.task);
}

export async function createSchedule(ctx: StoreContext, input: NewSchedule): Promise<ScheduleRecord> {
  checkNewSchedule(input);
  const nextFireAt = normalizeTime(input.nextFireAt, "nextFireAt");
  return ctx.write(async (trx, now) => {
    const row = await trx
      .insertInto("schedules")
      .values({
        schedule_id: `schedule-${randomUUID()}`,
        name: input.name,
        cron: input.cron,
        timezone: input.timezone,
        catch_up: input.catchUp,
        paused: 0,
        task: JSON.stringify(input.task),
        next_fire_at: nextFireAt,
        last_fire_at: null,
        last_task_id: null,
        created_at: now,
        updated_at: now
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toScheduleRecord(row);
  });
}

export async function listSchedules(ctx: StoreContext): Promise<ScheduleRecord[]> {
  const rows = await ctx.db
    .selectFrom("schedules")
    .selectAll()
    .orderBy("created_at")
    .orderBy("schedule_id")
    .execute();
  return rows.map(toScheduleRecord);
}

export async function getSchedule(
  ctx: StoreContext,
  scheduleId: string
): Promise<ScheduleRecord | undefined> {
  const row = await ctx.db
    .selectFrom("schedules")
    .selectAll()
    .where("schedule_id", "=", scheduleId)
    .executeTakeFirst();
  return row ? toScheduleRecord(row) : undefined;
}

/** The tasks it created stay (with their `scheduleId`). */
export async function deleteSchedule(ctx: StoreContext, scheduleId: string): Promise<boolean> {
  return ctx.write(async (trx) => {
    const result = await trx.deleteFrom("schedules").where("schedule_id", "=", scheduleId).executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  });
}

/**
 * Pause (next fire cleared) or resume from `nextFireAt` (the caller's next fire after now: the
 * fires a pause covered are not caught up). Undefined when unknown.
 */
export async function setSchedulePaused(
  ctx: StoreContext,
  scheduleId: string,
  paused: boolean,
  nextFireAt: string | null
): Promise<ScheduleRecord | undefined> {
  const next = paused ? null : normalizeTime(nextFireAt, "nextFireAt");
  if (!paused && next === null) throw new TypeError("resume needs nextFireAt");
  return ctx.write(async (trx, now) => {
    const current = await lockSchedule(ctx, trx, scheduleId);
    if (!current) return undefined;
    // A second resume keeps the fire it already waits on.
    if (!paused && Number(current.paused) === 0) return toScheduleRecord(current);
    const row = await trx
      .updateTable("schedules")
      .set({ paused: paused ? 1 : 0, next_fire_at: next, updated_at: now })
      .where("schedule_id", "=", scheduleId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toScheduleRecord(row);
  });
}

/** Unpaused schedules whose next fire is at or before the database's now, soonest first. */
export async function dueSchedules(
  ctx: StoreContext,
  limit: number
): Promise<{ now: string; due: ScheduleRecord[] }> {
  const now = await ctx.now();
  const rows = await ctx.db
    .selectFrom("schedules")
    .selectAll()
    .where("paused", "=", 0)
    .where("next_fire_at", "<=", now)
    .orderBy("next_fire_at")
    .limit(limit)
    .execute();
  return { now, due: rows.map(toScheduleRecord) };
}

/** The earliest next fire of any unpaused schedule (ISO), or null. */
export async function nextScheduledFire(ctx: StoreContext): Promise<string | null> {
  const row = await ctx.db
    .selectFrom("schedules")
    .select("next_fire_at")
    .where("paused", "=", 0)
    .where("next_fire_at", "is not", null)
    .orderBy("next_fire_at")
    .limit(1)
    .executeTakeFirst();
  return isoOrNull(row?.next_fire_at);
}

function lockSchedule(ctx: StoreContext, trx: Trx, scheduleId: string) {
  return trx
    .selectFrom("schedules")
    .selectAll()
    .where("schedule_id", "=", scheduleId)
    .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/**
 * One transaction: the lease is still ours (share-locked, so no takeover commits meanwhile), the
 * schedule still waits on `expectedNextFireAt` and is not paused, then the task for
 * `scheduledFor` is inserted (the unique (schedule_id, scheduled_for) index turns a repeat into
 * nothing) and the schedule moves to `nextFireAt`.
 */
export async function fireSchedule(ctx: StoreContext, fire: ScheduleFire): Promise<FireOutcome> {
  const expected = normalizeTime(fire.expectedNextFireAt, "expectedNextFireAt");
  const scheduledFor = normalizeTime(fire.scheduledFor, "scheduledFor");
  const nextFireAt = normalizeTime(fire.nextFireAt, "nextFireAt");
  return ctx.write(async (trx, now) => {
    if (!(await holdsLease(ctx, trx, fire, now, "share"))) return { kind: "stale" } as const;
    const schedule = await lockSchedule(ctx, trx, fire.scheduleId);
    if (!schedule || Number(schedule.paused) === 1 || isoOrNull(schedule.next_fire_at) !== expected)
      return { kind: "stale" } as const;
    let outcome: FireOutcome = { kind: "skipped" };
    if (scheduledFor !== null)
      outcome = await insertFiredTask(ctx, trx, now, toScheduleRecord(schedule), scheduledFor);
    await trx
      .updateTable("schedules")
      .set({
        next_fire_at: nextFireAt,
        updated_at: now,
        ...(outcome.kind === "fired" ? { last_fire_at: scheduledFor, last_task_id: outcome.task.taskId } : {})
      })
      .where("schedule_id", "=", fire.scheduleId)
      .execute();
    return outcome;
  });
}

async function insertFiredTask(
  ctx: StoreContext,
  trx: Trx,
  now: string,
  schedule: ScheduleRecord,
  scheduledFor: string
): Promise<FireOutcome> {
  const task = schedule.task;
  const inserted = await trx
    .insertInto("tasks")
    .values({
      ...newTaskColumns(task, { dependsOn: [], notBefore: null, idempotencyKey: null, externalKey: null }),
      task_id: ctx.newId("task"),
      schedule_id: schedule.scheduleId,
      scheduled_for: scheduledFor,
      state: "queued",
      created_at: now,
      updated_at: now
    })
    .onConflict((oc) => oc.columns(["schedule_id", "scheduled_for"]).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { kind: "fired", task: toTaskRecord(inserted), created: true };
  const existing = await trx
    .selectFrom("tasks")
    .selectAll()
    .where("schedule_id", "=", schedule.scheduleId)
    .where("scheduled_for", "=", scheduledFor)
    .executeTakeFirstOrThrow();
  return { kind: "fired", task: toTaskRecord(existing), created: false };
}
