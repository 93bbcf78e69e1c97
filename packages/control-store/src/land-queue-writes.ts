import type { EnqueueOutcome } from "./control-store.js";
import type { LandQueueEntry, TaskOverlap, TaskRecord } from "./records.js";
import { toTaskRecord } from "./row-mapping.js";
import type { StoreContext, Trx } from "./store-context.js";
import { lockTask } from "./task-writes.js";

/** A task leaves its land queue with these columns cleared (landed, sent back, revised, discarded). */
export const OUT_OF_QUEUE = {
  queue_repo: null,
  queue_target: null,
  queue_method: null,
  queued_at: null
} as const;

/** Joins the end of a land queue: an approved task (in review, or succeeded with a branch) only. */
export async function enqueueLand(
  ctx: StoreContext,
  taskId: string,
  entry: Omit<LandQueueEntry, "queuedAt">
): Promise<EnqueueOutcome | undefined> {
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    if (row.queued_at !== null) return { kind: "already_queued" as const, task: toTaskRecord(row) };
    const approved = row.state === "in_review" || (row.state === "succeeded" && row.base_branch !== null);
    if (!approved) return { kind: "not_queueable" as const, task: toTaskRecord(row) };
    const queuedAt = await afterQueueEnd(trx, entry, now);
    const updated = await trx
      .updateTable("tasks")
      .set({
        queue_repo: entry.repo,
        queue_target: entry.target,
        queue_method: entry.method,
        queued_at: queuedAt,
        updated_at: now
      })
      .where("task_id", "=", taskId)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: "queued" as const, task: toTaskRecord(updated) };
  });
}

/**
 * `now`, or just after the queue's last entry when that is not earlier: two enqueues in one
 * millisecond (SQLite's clock) would otherwise fall back to creation order (`seq`).
 */
async function afterQueueEnd(
  trx: Trx,
  entry: Omit<LandQueueEntry, "queuedAt">,
  now: string
): Promise<string> {
  const last = await trx
    .selectFrom("tasks")
    .select((eb) => eb.fn.max("queued_at").as("last"))
    .where("queue_repo", "=", entry.repo)
    .where("queue_target", "=", entry.target)
    .executeTakeFirst();
  const lastMs =
    last?.last == null ? Number.NEGATIVE_INFINITY : new Date(last.last as string | Date).getTime();
  return lastMs < Date.parse(now) ? now : new Date(lastMs + 1).toISOString();
}

export async function dequeueLand(ctx: StoreContext, taskId: string): Promise<boolean> {
  return ctx.write(async (trx, now) => {
    const result = await trx
      .updateTable("tasks")
      .set({ ...OUT_OF_QUEUE, updated_at: now })
      .where("task_id", "=", taskId)
      .where("queued_at", "is not", null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export async function listLandQueue(
  ctx: StoreContext,
  filter: { repo?: string; target?: string } = {}
): Promise<TaskRecord[]> {
  const rows = await ctx.db
    .selectFrom("tasks")
    .selectAll()
    .where("queued_at", "is not", null)
    .$if(filter.repo !== undefined, (qb) => qb.where("queue_repo", "=", filter.repo as string))
    .$if(filter.target !== undefined, (qb) => qb.where("queue_target", "=", filter.target as string))
    .orderBy("queue_repo")
    .orderBy("queue_target")
    .orderBy("queued_at")
    .orderBy("seq")
    .execute();
  return rows.map(toTaskRecord);
}

export async function setOverlaps(ctx: StoreContext, taskId: string, overlaps: TaskOverlap[]): Promise<void> {
  await ctx.write(async (trx) => {
    await trx
      .updateTable("tasks")
      .set({ overlaps: JSON.stringify(overlaps) })
      .where("task_id", "=", taskId)
      .execute();
  });
}
