import { QueueFullError, UnknownDependencyError, type CancelOutcome, type NewTask } from "./control-store.js";
import { ENDED_TASK_STATES, type TaskRecord, type TaskState } from "./records.js";
import { DONE_DEPENDENCY } from "./dependency-states.js";
import { checkNewTask } from "./new-task-checks.js";
import { newTaskColumns } from "./new-task-columns.js";
import { toTaskRecord } from "./row-mapping.js";
import { normalizeTime, rowLocks, type StoreContext, type Trx } from "./store-context.js";

const WAITING: TaskState[] = ["queued", "blocked"];
const RETRYABLE: TaskState[] = ["failed", "cancelled", "timed_out"];
/** No run of these runs, so nobody else has to act on a cancel. */
const CANCELLED_AT_ONCE: TaskState[] = [...WAITING, "in_review"];

/** `queued` when every dependency is done (succeeded or landed) and notBefore has passed, else `blocked`. */
async function readinessOf(
  trx: Trx,
  dependsOn: string[],
  notBefore: string | null,
  now: string
): Promise<"queued" | "blocked"> {
  if (notBefore !== null && notBefore > now) return "blocked";
  if (dependsOn.length === 0) return "queued";
  const pending = await trx
    .selectFrom("tasks")
    .select("task_id")
    .where("task_id", "in", dependsOn)
    .where("state", "not in", DONE_DEPENDENCY)
    .executeTakeFirst();
  return pending ? "blocked" : "queued";
}

/**
 * No lock beyond the new row's own: idempotency (`idempotency_key`, `external_key`) holds
 * through the unique indexes themselves (an insert that conflicts inserts nothing and the row
 * that won is answered with `created: false`), and the queue limit is soft (see `queueFull`).
 */
export async function createTask(
  ctx: StoreContext,
  input: NewTask,
  options: { idempotencyKey?: string; externalKey?: string; maxQueued?: number } = {}
): Promise<{ task: TaskRecord; created: boolean }> {
  checkNewTask(input);
  const dependsOn = [...new Set(input.dependsOn ?? [])];
  const notBefore = normalizeTime(input.notBefore, "notBefore");
  const key = options.idempotencyKey ?? null;
  const external = options.externalKey ?? null;
  return ctx.write(async (trx, now) => {
    const byKey = async () =>
      (key === null
        ? undefined
        : await trx.selectFrom("tasks").selectAll().where("idempotency_key", "=", key).executeTakeFirst()) ??
      (external === null
        ? undefined
        : await trx.selectFrom("tasks").selectAll().where("external_key", "=", external).executeTakeFirst());
    // A replayed key (a client retrying after a timeout) answers before any check, full queue or not.
    const replayed = await byKey();
    if (replayed) return { task: toTaskRecord(replayed), created: false };
    await refuseUnknownDependencies(trx, dependsOn);
    if (options.maxQueued !== undefined && (await queueFull(trx, options.maxQueued))) {
      // A create with the same key may have committed since the read above; it still answers.
      const existing = await byKey();
      if (existing) return { task: toTaskRecord(existing), created: false };
      throw new QueueFullError(options.maxQueued);
    }
    const taskId = ctx.newId("task");
    const row = await trx
      .insertInto("tasks")
      .values({
        ...newTaskColumns(input, { dependsOn, notBefore, idempotencyKey: key, externalKey: external }),
        task_id: taskId,
        state: await readinessOf(trx, dependsOn, notBefore, now),
        created_at: now,
        updated_at: now
      })
      // No conflict target: a key may be on either unique index (`idempotency_key`, or the
      // partial `tasks_external_key`) and PostgreSQL takes one target per insert. It waits for
      // a concurrent insert of the same key to end, then inserts nothing if that one committed.
      .$if(key !== null || external !== null, (qb) => qb.onConflict((oc) => oc.doNothing()))
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      // The conflicting row is committed (READ COMMITTED: this read sees it; SQLite's single
      // writer already saw it above). Its dependency rows are its own: none are added here.
      const winner = await byKey();
      if (winner) return { task: toTaskRecord(winner), created: false };
      throw new Error(`createTask: insert of ${taskId} conflicted, yet no task holds its keys`);
    }
    if (dependsOn.length > 0) {
      await trx
        .insertInto("task_dependencies")
        .values(dependsOn.map((dep) => ({ task_id: taskId, depends_on: dep })))
        .execute();
    }
    return { task: toTaskRecord(row), created: true };
  });
}

/** Refuses a create with an unknown dependency. */
async function refuseUnknownDependencies(trx: Trx, dependsOn: string[]): Promise<void> {
  if (dependsOn.length === 0) return;
  const found = await trx.selectFrom("tasks").select("task_id").where("task_id", "in", dependsOn).execute();
  const known = new Set(found.map((row) => row.task_id));
  const unknown = dependsOn.filter((id) => !known.has(id));
  if (unknown.length > 0) throw new UnknownDependencyError(unknown);
}

/**
 * Whether `maxQueued` tasks wait (queued or blocked). A soft limit, counted without a lock:
 * creates in flight at once do not see each other's uncommitted rows, so together they may
 * overshoot it by at most their number; sequential creates never do.
 */
async function queueFull(trx: Trx, maxQueued: number): Promise<boolean> {
  const { waiting } = await trx
    .selectFrom("tasks")
    .select((eb) => eb.fn.countAll<number | string>().as("waiting"))
    .where("state", "in", WAITING)
    .executeTakeFirstOrThrow();
  return Number(waiting) >= maxQueued;
}

/** The task's row, locked for this transaction on PostgreSQL (SQLite's writer already excludes others). */
export async function lockTask(ctx: StoreContext, trx: Trx, taskId: string) {
  return trx
    .selectFrom("tasks")
    .selectAll()
    .where("task_id", "=", taskId)
    .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/**
 * Invariant 7: a waiting task (or one waiting on review) is cancelled at once; a running one gets
 * the flag its run's owner acts on; one being landed is left alone (`busy`).
 */
export async function requestCancel(
  ctx: StoreContext,
  taskId: string,
  reason?: string
): Promise<{ task: TaskRecord; outcome: CancelOutcome } | undefined> {
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    const state = row.state as TaskState;
    if (ENDED_TASK_STATES.has(state)) return { task: toTaskRecord(row), outcome: "already_ended" as const };
    if (state === "landing") return { task: toTaskRecord(row), outcome: "busy" as const };
    const atOnce = CANCELLED_AT_ONCE.includes(state);
    const updated = await trx
      .updateTable("tasks")
      .set(
        atOnce
          ? {
              state: "cancelled",
              cancel_requested: 1,
              state_reason: reason ?? "cancelled",
              ended_at: now,
              updated_at: now
            }
          : { cancel_requested: 1, state_reason: reason ?? "cancel requested", updated_at: now }
      )
      .where("task_id", "=", taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { task: toTaskRecord(updated), outcome: atOnce ? ("cancelled" as const) : ("requested" as const) };
  });
}

/** Queues a failed, cancelled or timed-out task again with its attempts reset (its run count keeps growing). */
export async function retryTask(ctx: StoreContext, taskId: string): Promise<TaskRecord | null | undefined> {
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    if (!RETRYABLE.includes(row.state as TaskState)) return null;
    const updated = await trx
      .updateTable("tasks")
      .set({
        state: await readinessOf(trx, JSON.parse(row.depends_on) as string[], null, now),
        state_reason: null,
        attempts_spent: 0,
        cancel_requested: 0,
        not_before: null,
        ended_at: null,
        updated_at: now
      })
      .where("task_id", "=", taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTaskRecord(updated);
  });
}
