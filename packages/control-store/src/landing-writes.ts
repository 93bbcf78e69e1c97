import { OUT_OF_QUEUE } from "./land-queue-writes.js";
import type { BeginLandingOutcome, LandingResult } from "./control-store.js";
import { toTaskRecord } from "./row-mapping.js";
import { normalizeTime, type StoreContext } from "./store-context.js";
import { lockTask } from "./task-writes.js";

export const LANDING_INTERRUPTED = "landing interrupted (the conductor stopped mid-land); land again";

/**
 * One land per task at a time: the state change to `landing` happens under the task's row lock
 * (PostgreSQL) or the single writer (SQLite), so of two concurrent lands exactly one begins.
 * A `succeeded` task may land only when a worktree run recorded its base branch.
 */
export async function beginLanding(
  ctx: StoreContext,
  taskId: string
): Promise<BeginLandingOutcome | undefined> {
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    const from = row.state;
    if (!(from === "in_review" || (from === "succeeded" && row.base_branch !== null))) {
      return { kind: "wrong_state" as const, task: toTaskRecord(row) };
    }
    const updated = await trx
      .updateTable("tasks")
      .set({ state: "landing", state_reason: null, ended_at: null, updated_at: now })
      .where("task_id", "=", taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: "begun" as const, task: toTaskRecord(updated), from };
  });
}

/** Ends a `landing` step as `landed` or back in `in_review`/`succeeded`; false when the task is not landing. */
export async function endLanding(ctx: StoreContext, taskId: string, result: LandingResult): Promise<boolean> {
  if (result.kind === "restore" && result.state !== "in_review" && result.state !== "succeeded") {
    throw new TypeError(`a land cannot leave a task ${String(result.state)}`);
  }
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (row?.state !== "landing") return false;
    // The push happened whatever came after it (a forge error, say): it is recorded either way.
    const push = result.push === undefined ? {} : { push: JSON.stringify({ ...result.push, pushedAt: now }) };
    const set =
      result.kind === "landed"
        ? {
            state: "landed",
            state_reason: null,
            landing: JSON.stringify({ ...result.landing, landedAt: now }),
            ended_at: now,
            ...OUT_OF_QUEUE
          }
        : {
            state: result.state,
            state_reason: result.reason,
            ended_at: result.state === "succeeded" ? now : null
          };
    await trx
      .updateTable("tasks")
      .set({ ...set, ...push, updated_at: now })
      .where("task_id", "=", taskId)
      .execute();
    return true;
  });
}

/** Lands a conductor left half-done (it stopped mid-land) go back to review; a person lands again. */
export async function recoverLandings(ctx: StoreContext, olderThan: string): Promise<string[]> {
  const before = normalizeTime(olderThan, "olderThan") as string;
  return ctx.write(async (trx, now) => {
    const rows = await trx
      .updateTable("tasks")
      .set({ state: "in_review", state_reason: LANDING_INTERRUPTED, ended_at: null, updated_at: now })
      .where("state", "=", "landing")
      .where("updated_at", "<", before)
      .returning("task_id")
      .execute();
    return rows.map((row) => row.task_id).sort();
  });
}
