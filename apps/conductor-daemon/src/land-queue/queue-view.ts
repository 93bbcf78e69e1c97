import type { ControlStore, TaskState } from "@baa/control-store";
import { landLockScope } from "./target-lock.js";

export interface QueueView {
  repo: string;
  target: string;
  /** The entry being landed now (its task is `landing`), if any. */
  landing: string | null;
  /** The node holding the target's land lock (unexpired), if any. */
  lockHolder: string | null;
  entries: Array<{
    taskId: string;
    title: string;
    position: number;
    queuedAt: string;
    state: TaskState;
    method: string;
  }>;
}

/** Every land queue in order, with who is landing on it (a lock counts until it expires on the store's clock). */
export async function queueViews(
  store: Pick<ControlStore, "listLandQueue" | "getLease" | "now">
): Promise<QueueView[]> {
  const views = new Map<string, QueueView>();
  for (const task of await store.listLandQueue()) {
    const entry = task.landQueue;
    if (entry === null) continue;
    const key = JSON.stringify([entry.repo, entry.target]);
    let view = views.get(key);
    if (view === undefined) {
      view = { repo: entry.repo, target: entry.target, landing: null, lockHolder: null, entries: [] };
      views.set(key, view);
    }
    if (task.state === "landing") view.landing ??= task.taskId;
    view.entries.push({
      taskId: task.taskId,
      title: task.title,
      position: view.entries.length + 1,
      queuedAt: entry.queuedAt,
      state: task.state,
      method: entry.method
    });
  }
  const nowMs = views.size === 0 ? 0 : (await store.now()).getTime();
  for (const view of views.values()) {
    const lease = await store.getLease(landLockScope(view.repo, view.target));
    if (
      lease !== null &&
      lease.holder !== null &&
      lease.expiresAt !== null &&
      Date.parse(lease.expiresAt) > nowMs
    )
      view.lockHolder = lease.holder;
  }
  return [...views.values()];
}
