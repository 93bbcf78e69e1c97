import type { ReviseOutcome } from "./control-store.js";
import { ENDED_TASK_STATES, type TaskRecord, type TaskState } from "./records.js";
import { toTaskRecord } from "./row-mapping.js";
import type { StoreContext } from "./store-context.js";
import { lockTask } from "./task-writes.js";
import { OUT_OF_QUEUE } from "./land-queue-writes.js";

/**
 * Queues the next round of a task whose branch holds work: from `in_review` or any ended state,
 * never while a run runs or a land is under way. Its dependencies were met once, so it goes
 * straight to `queued`; its last `landing` stays as history until a new land replaces it.
 */
export async function reviseTask(
  ctx: StoreContext,
  taskId: string,
  comment: string
): Promise<ReviseOutcome | undefined> {
  if (typeof comment !== "string" || comment.length === 0)
    throw new TypeError("comment must be a non-empty string");
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    const state = row.state as TaskState;
    const revisable = state === "in_review" || ENDED_TASK_STATES.has(state);
    if (!revisable || row.base_branch === null)
      return { kind: "not_revisable" as const, task: toTaskRecord(row) };
    const updated = await trx
      .updateTable("tasks")
      .set({
        state: "queued",
        round: Number(row.round) + 1,
        round_input: comment,
        attempts_spent: 0,
        cancel_requested: 0,
        state_reason: null,
        not_before: null,
        ended_at: null,
        ...OUT_OF_QUEUE,
        updated_at: now
      })
      .where("task_id", "=", taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: "revised" as const, task: toTaskRecord(updated) };
  });
}

/** `in_review` → `discarded` (ended); the branch stays for whoever wants it later. */
export async function discardTask(
  ctx: StoreContext,
  taskId: string,
  reason?: string
): Promise<TaskRecord | null | undefined> {
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    if (row.state !== "in_review") return null;
    const updated = await trx
      .updateTable("tasks")
      .set({
        state: "discarded",
        state_reason: reason ?? "discarded",
        ended_at: now,
        ...OUT_OF_QUEUE,
        updated_at: now
      })
      .where("task_id", "=", taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return toTaskRecord(updated);
  });
}
