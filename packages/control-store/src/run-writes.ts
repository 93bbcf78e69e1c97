import type { Selectable } from "kysely";
import type { RunEnding, RunFence, RunPatch } from "./control-store.js";
import { holdsLease } from "./lease.js";
import { ENDED_TASK_STATES, type RunRecord, type TaskState } from "./records.js";
import { RUN_LEASE_SCOPE } from "./node-writes.js";
import { isoOf, toRunRecord } from "./row-mapping.js";
import type { RunsTable, TasksTable } from "./schema.js";
import { normalizeTime, rowLocks, type StoreContext, type Trx } from "./store-context.js";

const ACTIVE_TASK_STATES: TaskState[] = ["running", "needs_approval"];

/**
 * Invariant 3: the run, still `running`, with this owner and term, and its lease still naming
 * that owner and term. Fencing is by term, not by time: a holder whose lease lapsed with nobody
 * taking it may still finish its runs; once another node takes the lease, the term moved on.
 * The run row is locked first (then its task, by the caller); the lease row is only read, not
 * share-locked, so the holder's renewal never queues behind its own run writes. A takeover that
 * commits after that read is ordered after this write: the new term's `abandonStaleRuns` locks
 * the run row, waits for this transaction, and finds the run no longer `running`
 * (README, "Fencing without a lock on the lease").
 */
async function fencedRun(
  ctx: StoreContext,
  trx: Trx,
  fence: RunFence,
  now: string
): Promise<Selectable<RunsTable> | undefined> {
  const run = await trx
    .selectFrom("runs")
    .selectAll()
    .where("run_id", "=", fence.runId)
    .where("owner", "=", fence.owner)
    .where("term", "=", fence.term)
    .where("state", "=", "running")
    .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate())
    .executeTakeFirst();
  if (!run) return undefined;
  // A node's run (every node claims, PostgreSQL): its own lease, renewed by its owner's
  // heartbeat, and its epoch (the fence's term); a lapsed lease is the sweep's, whatever comes late.
  if (run.scope === RUN_LEASE_SCOPE)
    return run.lease_expires_at !== null && isoOf(run.lease_expires_at) > now ? run : undefined;
  if (
    !(await holdsLease(ctx, trx, { scope: run.scope, holder: fence.owner, term: fence.term }, null, "read"))
  )
    return undefined;
  return run;
}

export async function updateRun(ctx: StoreContext, fence: RunFence, patch: RunPatch): Promise<boolean> {
  const lastEventAt = normalizeTime(patch.lastEventAt, "lastEventAt");
  return ctx.write(async (trx, now) => {
    const run = await fencedRun(ctx, trx, fence, now);
    if (!run) return false;
    const set: Partial<{
      session_id: string;
      thread_id: string;
      turn_id: string;
      workspace: string;
      last_event_at: string;
      checks: string;
      setup: string;
    }> = {};
    if (patch.sessionId !== undefined) set.session_id = patch.sessionId;
    if (patch.threadId !== undefined) set.thread_id = patch.threadId;
    if (patch.turnId !== undefined) set.turn_id = patch.turnId;
    if (patch.workspace !== undefined) set.workspace = JSON.stringify(patch.workspace);
    if (lastEventAt !== null) set.last_event_at = lastEventAt;
    if (patch.checks !== undefined) set.checks = JSON.stringify(patch.checks);
    if (patch.setup !== undefined) set.setup = JSON.stringify(patch.setup);
    if (Object.keys(set).length > 0)
      await trx.updateTable("runs").set(set).where("run_id", "=", run.run_id).execute();
    if (patch.baseBranch !== undefined) {
      // The branch the first worktree was made from: later rounds (and their worktrees) keep it.
      await trx
        .updateTable("tasks")
        .set({ base_branch: patch.baseBranch, updated_at: now })
        .where("task_id", "=", run.task_id)
        .where("base_branch", "is", null)
        .execute();
    }
    if (patch.taskState !== undefined) {
      await trx
        .updateTable("tasks")
        .set({ state: patch.taskState, updated_at: now })
        .where("task_id", "=", run.task_id)
        .where("last_run_id", "=", run.run_id)
        .where("state", "in", ACTIVE_TASK_STATES)
        .execute();
    }
    return true;
  });
}

/** Only the API's review and land actions lead to these, never a run's end. */
const NOT_A_RUN_ENDING: TaskState[] = [...ACTIVE_TASK_STATES, "landing", "landed", "discarded"];

/**
 * The task's state after its run ends. Invariant 7: a cancel request wins over waiting again
 * (for the queue or for a review); invariant 6: a task that spent its attempts fails instead of
 * queueing.
 */
function nextTaskState(
  task: Selectable<TasksTable>,
  ending: RunEnding,
  spent: number
): { state: TaskState; reason: string | null } {
  const reason = ending.reason ?? null;
  if (ENDED_TASK_STATES.has(ending.taskState)) return { state: ending.taskState, reason };
  if (Number(task.cancel_requested) === 1)
    return { state: "cancelled", reason: task.state_reason ?? "cancelled" };
  if (ending.taskState !== "in_review" && ending.spendAttempt && spent >= Number(task.max_attempts)) {
    return { state: "failed", reason: reason ?? `spent all ${task.max_attempts} attempts` };
  }
  return { state: ending.taskState, reason };
}

export async function finishRun(ctx: StoreContext, fence: RunFence, ending: RunEnding): Promise<boolean> {
  if ((ending.runState as string) === "running") throw new TypeError("a run cannot end running");
  if (NOT_A_RUN_ENDING.includes(ending.taskState))
    throw new TypeError(`a task cannot be ${ending.taskState} once its run ended`);
  const notBefore = normalizeTime(ending.notBefore, "notBefore");
  return ctx.write(async (trx, now) => {
    const run = await fencedRun(ctx, trx, fence, now);
    if (!run) return false;
    const task = await trx
      .selectFrom("tasks")
      .selectAll()
      .where("task_id", "=", run.task_id)
      .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate())
      .executeTakeFirstOrThrow();
    await trx
      .updateTable("runs")
      .set({
        state: ending.runState,
        reason: ending.reason ?? null,
        final_message: ending.finalMessage ?? null,
        usage: ending.usage === undefined || ending.usage === null ? null : JSON.stringify(ending.usage),
        commit: ending.commit ?? null,
        ended_at: now
      })
      .where("run_id", "=", run.run_id)
      .execute();
    const spent = Number(task.attempts_spent) + (ending.spendAttempt ? 1 : 0);
    const next = nextTaskState(task, ending, spent);
    const ended = ENDED_TASK_STATES.has(next.state);
    await trx
      .updateTable("tasks")
      .set({
        state: next.state,
        state_reason: next.reason,
        attempts_spent: spent,
        ended_at: ended ? now : null,
        updated_at: now,
        // Going back to the queue: the retry backoff is the new notBefore.
        ...(next.state === "queued" || next.state === "blocked" ? { not_before: notBefore } : {})
      })
      .where("task_id", "=", run.task_id)
      .execute();
    return true;
  });
}

/**
 * After taking the lease with `term`: every running run of an older term ends `abandoned` and
 * its task goes back to the queue without spending an attempt (or to `cancelled` if asked).
 */
export async function abandonStaleRuns(
  ctx: StoreContext,
  options: { scope: string; holder: string; term: number }
): Promise<RunRecord[]> {
  return ctx.write(async (trx, now) => {
    if (!(await holdsLease(ctx, trx, options, now, "share"))) return [];
    const stale = await trx
      .selectFrom("runs")
      .selectAll()
      .where("scope", "=", options.scope)
      .where("state", "=", "running")
      .where("term", "<", options.term)
      .orderBy("run_id")
      .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate())
      .execute();
    const abandoned: RunRecord[] = [];
    for (const run of stale) {
      abandoned.push(
        await abandonRun(
          ctx,
          trx,
          run,
          `lease term ${run.term} of ${run.owner} superseded by term ${options.term}`,
          now
        )
      );
    }
    return abandoned;
  });
}

/**
 * Ends a run `abandoned` and sends its task back to the queue without spending an attempt (or
 * to `cancelled` when a cancel was asked for). The caller holds the run's row lock.
 */
export async function abandonRun(
  ctx: StoreContext,
  trx: Trx,
  run: Selectable<RunsTable>,
  reason: string,
  now: string
): Promise<RunRecord> {
  const ended = await trx
    .updateTable("runs")
    .set({ state: "abandoned", reason, ended_at: now })
    .where("run_id", "=", run.run_id)
    .returningAll()
    .executeTakeFirstOrThrow();
  const task = await trx
    .selectFrom("tasks")
    .select(["cancel_requested", "state_reason"])
    .where("task_id", "=", run.task_id)
    .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate())
    .executeTakeFirstOrThrow();
  const cancelled = Number(task.cancel_requested) === 1;
  await trx
    .updateTable("tasks")
    .set(
      cancelled
        ? {
            state: "cancelled",
            state_reason: task.state_reason ?? "cancelled",
            ended_at: now,
            updated_at: now
          }
        : { state: "queued", state_reason: reason, updated_at: now }
    )
    .where("task_id", "=", run.task_id)
    .where("last_run_id", "=", run.run_id)
    .where("state", "in", ACTIVE_TASK_STATES)
    .execute();
  return toRunRecord(ended);
}
