import { InvalidCursorError, type TaskPage } from "./control-store.js";
import { TASK_STATES, type TaskRecord, type TaskState } from "./records.js";
import { toTaskRecord } from "./row-mapping.js";
import type { StoreContext } from "./store-context.js";

export const MAX_PAGE = 500;

/** Opaque to callers; stable because it points at the insertion sequence, which never changes. */
function encodeCursor(seq: number): string {
  return Buffer.from(`t1:${seq}`).toString("base64url");
}

function decodeCursor(cursor: string): number {
  const match = /^t1:(\d{1,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match?.[1]) throw new InvalidCursorError();
  return Number(match[1]);
}

export async function getTask(ctx: StoreContext, taskId: string): Promise<TaskRecord | undefined> {
  const row = await ctx.db.selectFrom("tasks").selectAll().where("task_id", "=", taskId).executeTakeFirst();
  return row ? toTaskRecord(row) : undefined;
}

/** Newest first. */
export async function listTasks(
  ctx: StoreContext,
  options: { state?: TaskState; limit: number; cursor?: string }
): Promise<TaskPage> {
  if (!Number.isFinite(options.limit)) throw new TypeError("limit must be a number");
  const limit = Math.max(1, Math.min(MAX_PAGE, Math.floor(options.limit)));
  const before = options.cursor ? decodeCursor(options.cursor) : undefined;
  const rows = await ctx.db
    .selectFrom("tasks")
    .selectAll()
    .$if(options.state !== undefined, (qb) => qb.where("state", "=", options.state as TaskState))
    .$if(before !== undefined, (qb) => qb.where("seq", "<", before as number))
    .orderBy("seq", "desc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    tasks: page.map(toTaskRecord),
    nextCursor: rows.length > limit && last ? encodeCursor(Number(last.seq)) : null
  };
}

export async function countTasksByState(ctx: StoreContext): Promise<Record<TaskState, number>> {
  const rows = await ctx.db
    .selectFrom("tasks")
    .select(["state", (eb) => eb.fn.countAll<number | string>().as("n")])
    .groupBy("state")
    .execute();
  const counts = Object.fromEntries(TASK_STATES.map((state) => [state, 0])) as Record<TaskState, number>;
  for (const row of rows) counts[row.state as TaskState] = Number(row.n);
  return counts;
}
