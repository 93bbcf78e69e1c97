import type { CommentBegin, CommentLedgerEntry, WaitingTaskUpdate } from "./control-store.js";
import { ENDED_TASK_STATES, type TaskRecord, type TaskState } from "./records.js";
import { isoOrNull, toTaskRecord } from "./row-mapping.js";
import { addMs, type StoreContext } from "./store-context.js";
import { lockTask } from "./task-writes.js";

/** Only a task no run has taken up yet (or that waits to be taken up again) follows its issue. */
const WAITING: readonly TaskState[] = ["queued", "blocked"];

export async function findTaskByExternalKey(ctx: StoreContext, key: string): Promise<TaskRecord | undefined> {
  const row = await ctx.db.selectFrom("tasks").selectAll().where("external_key", "=", key).executeTakeFirst();
  return row ? toTaskRecord(row) : undefined;
}

/**
 * Every task not ended whose external key starts with `prefix` (exactly: LIKE's wildcards in a
 * repository name such as `_` are checked again here), oldest first.
 */
export async function listOpenExternalTasks(ctx: StoreContext, prefix: string): Promise<TaskRecord[]> {
  const rows = await ctx.db
    .selectFrom("tasks")
    .selectAll()
    .where("external_key", "like", `${prefix}%`)
    .where("state", "not in", [...ENDED_TASK_STATES])
    .orderBy("seq")
    .execute();
  return rows.filter((row) => row.external_key?.startsWith(prefix) === true).map(toTaskRecord);
}

/** Title and prompt follow the outside source while the task waits (queued or blocked); else nothing changes. */
export async function updateWaitingTask(
  ctx: StoreContext,
  taskId: string,
  patch: { title?: string; prompt?: string }
): Promise<WaitingTaskUpdate | undefined> {
  if (patch.title !== undefined && patch.title.trim() === "") throw new TypeError("title must not be empty");
  if (patch.prompt !== undefined && patch.prompt.trim() === "")
    throw new TypeError("prompt must not be empty");
  return ctx.write(async (trx, now) => {
    const row = await lockTask(ctx, trx, taskId);
    if (!row) return undefined;
    if (!WAITING.includes(row.state as TaskState))
      return { kind: "not_waiting" as const, task: toTaskRecord(row) };
    const title = patch.title ?? row.title;
    const prompt = patch.prompt ?? row.prompt;
    if (title === row.title && prompt === row.prompt)
      return { kind: "unchanged" as const, task: toTaskRecord(row) };
    const updated = await trx
      .updateTable("tasks")
      .set({ title, prompt, updated_at: now })
      .where("task_id", "=", taskId)
      .where("state", "in", WAITING)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { kind: "updated" as const, task: toTaskRecord(updated) };
  });
}

/**
 * Records a webhook delivery id; false when it was recorded before (a redelivery). Deliveries
 * older than `retentionMs` are forgotten in the same write, so the table stays bounded.
 */
export async function claimDelivery(
  ctx: StoreContext,
  deliveryId: string,
  retentionMs: number
): Promise<boolean> {
  if (deliveryId === "") throw new TypeError("deliveryId must not be empty");
  return ctx.write(async (trx, now) => {
    await trx.deleteFrom("github_deliveries").where("received_at", "<", addMs(now, -retentionMs)).execute();
    const inserted = await trx
      .insertInto("github_deliveries")
      .values({ delivery_id: deliveryId, received_at: now })
      .onConflict((oc) => oc.column("delivery_id").doNothing())
      .returning("delivery_id")
      .executeTakeFirst();
    return inserted !== undefined;
  });
}

/** Forgets a delivery whose handling failed, so GitHub's redelivery of it is acted on. */
export async function forgetDelivery(ctx: StoreContext, deliveryId: string): Promise<void> {
  await ctx.write((trx) =>
    trx.deleteFrom("github_deliveries").where("delivery_id", "=", deliveryId).execute()
  );
}

/**
 * Before posting a comment: writes the intent (`sending`) unless a row exists. `begun` means this
 * caller wrote it and should post; `pending` means an earlier attempt wrote it and never recorded
 * the outcome (a crash or a failed call between), so the caller must find out whether it was
 * posted before posting again; `sent` means it was posted.
 */
export async function beginComment(ctx: StoreContext, taskId: string, kind: string): Promise<CommentBegin> {
  return ctx.write(async (trx, now) => {
    const inserted = await trx
      .insertInto("github_comments")
      .values({
        task_id: taskId,
        kind,
        state: "sending",
        comment_id: null,
        url: null,
        created_at: now,
        updated_at: now
      })
      .onConflict((oc) => oc.columns(["task_id", "kind"]).doNothing())
      .returningAll()
      .executeTakeFirst();
    if (inserted) return { outcome: "begun" as const, entry: toEntry(inserted) };
    const existing = await trx
      .selectFrom("github_comments")
      .selectAll()
      .where("task_id", "=", taskId)
      .where("kind", "=", kind)
      .executeTakeFirstOrThrow();
    if (existing.state === "sent") return { outcome: "sent" as const, entry: toEntry(existing) };
    const retried = await trx
      .updateTable("github_comments")
      .set({ attempts: Number(existing.attempts) + 1, updated_at: now })
      .where("task_id", "=", taskId)
      .where("kind", "=", kind)
      .returningAll()
      .executeTakeFirstOrThrow();
    return { outcome: "pending" as const, entry: toEntry(retried) };
  });
}

/** After posting: the comment is recorded `sent`; false when no intent was written for it. */
export async function finishComment(
  ctx: StoreContext,
  taskId: string,
  kind: string,
  posted: { commentId: number; url: string }
): Promise<boolean> {
  return ctx.write(async (trx, now) => {
    const result = await trx
      .updateTable("github_comments")
      .set({ state: "sent", comment_id: posted.commentId, url: posted.url, updated_at: now })
      .where("task_id", "=", taskId)
      .where("kind", "=", kind)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  });
}

export async function getComment(
  ctx: StoreContext,
  taskId: string,
  kind: string
): Promise<CommentLedgerEntry | undefined> {
  const row = await ctx.db
    .selectFrom("github_comments")
    .selectAll()
    .where("task_id", "=", taskId)
    .where("kind", "=", kind)
    .executeTakeFirst();
  return row ? toEntry(row) : undefined;
}

/** Tasks with an outside source in one of `states` for which no `kind` comment is recorded `sent`, oldest first. */
export async function listTasksAwaitingComment(
  ctx: StoreContext,
  options: { kind: string; states: readonly TaskState[]; limit: number }
): Promise<TaskRecord[]> {
  if (options.states.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("tasks")
    .selectAll()
    .where("external_key", "is not", null)
    .where("state", "in", [...options.states])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("github_comments")
            .select("github_comments.task_id")
            .whereRef("github_comments.task_id", "=", "tasks.task_id")
            .where("github_comments.kind", "=", options.kind)
            .where("github_comments.state", "=", "sent")
        )
      )
    )
    .orderBy("seq")
    .limit(options.limit)
    .execute();
  return rows.map(toTaskRecord);
}

function toEntry(row: {
  task_id: string;
  kind: string;
  state: string;
  comment_id: number | string | null;
  url: string | null;
  attempts: number;
  created_at: string | Date;
  updated_at: string | Date;
}): CommentLedgerEntry {
  return {
    taskId: row.task_id,
    kind: row.kind,
    state: row.state as CommentLedgerEntry["state"],
    commentId: row.comment_id === null ? null : Number(row.comment_id),
    url: row.url,
    attempts: Number(row.attempts),
    createdAt: isoOrNull(row.created_at) ?? "",
    updatedAt: isoOrNull(row.updated_at) ?? ""
  };
}
