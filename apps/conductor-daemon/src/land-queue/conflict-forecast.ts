import type { ControlStore, TaskRecord, TaskState } from "@baa/control-store";
import type { Logger } from "pino";
import type { TaskBranch } from "../review/task-branch.js";
import { overlapsAmong, sameOverlaps } from "./path-overlaps.js";

/** States whose branch may still land: the forecast compares these. */
const OPEN_STATES: readonly TaskState[] = ["in_review", "landing", "running", "needs_approval"];
/** Tasks read per state; a repository with more open tasks than this is compared on these. */
const PER_STATE = 500;

export interface ForecastDeps {
  store: Pick<ControlStore, "listTasks" | "listLandQueue" | "setOverlaps">;
  /** Throws when the task has no branch on this node. */
  locate(task: TaskRecord): Promise<TaskBranch>;
  /** Paths changed in `base...head`. */
  changedPaths(repo: string, base: string, head: string): Promise<string[]>;
  logger: Logger;
}

/**
 * The conflict forecast: which open tasks on one repository changed the same paths. Each
 * refresh recomputes every open task of the subject's repository, so an overlap is written on
 * both sides and one with a task that ended disappears. Refreshes run one at a time.
 */
export class ConflictForecast {
  readonly #d: ForecastDeps;
  #chain: Promise<void> = Promise.resolve();

  constructor(deps: ForecastDeps) {
    this.#d = deps;
  }

  /** Queues a refresh for the subject's repository; never rejects (a failure is logged). */
  refresh(task: TaskRecord): Promise<void> {
    this.#chain = this.#chain.then(() =>
      this.#refresh(task).catch((error: unknown) =>
        this.#d.logger.warn({ err: error, taskId: task.taskId }, "conflict forecast failed")
      )
    );
    return this.#chain;
  }

  async #refresh(subject: TaskRecord): Promise<void> {
    const home = await this.#branchOf(subject);
    if (home === null) return;
    const changed = new Map<string, string[]>();
    const stored = new Map<string, TaskRecord>();
    for (const task of await this.#openTasks()) {
      const where = task.taskId === subject.taskId ? home : await this.#branchOf(task);
      if (where === null || where.repo !== home.repo) continue;
      const paths = await this.#d.changedPaths(where.repo, where.baseRef, where.branch);
      if (paths.length === 0) continue;
      changed.set(task.taskId, paths);
      stored.set(task.taskId, task);
    }
    const overlaps = overlapsAmong(changed);
    for (const [taskId, list] of overlaps) {
      if (!sameOverlaps(stored.get(taskId)?.overlaps ?? [], list))
        await this.#d.store.setOverlaps(taskId, list);
    }
    // The subject ended (landed, sent back): it forecasts nothing any more.
    if (!overlaps.has(subject.taskId) && subject.overlaps.length > 0)
      await this.#d.store.setOverlaps(subject.taskId, []);
  }

  async #openTasks(): Promise<TaskRecord[]> {
    const byId = new Map<string, TaskRecord>();
    for (const state of OPEN_STATES) {
      for (const task of (await this.#d.store.listTasks({ state, limit: PER_STATE })).tasks)
        byId.set(task.taskId, task);
    }
    for (const task of await this.#d.store.listLandQueue()) byId.set(task.taskId, task);
    return [...byId.values()];
  }

  async #branchOf(task: TaskRecord): Promise<TaskBranch | null> {
    try {
      return await this.#d.locate(task);
    } catch {
      // No branch on this node (a task that never ran in a worktree here): nothing to compare.
      return null;
    }
  }
}
