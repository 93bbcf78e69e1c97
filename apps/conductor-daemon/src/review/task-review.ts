import type { ControlStore, LandMethod, TaskRecord } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import { branchDiff, branchExists, listBranches, listRemotes, remoteRepository } from "@baa/task-git";
import type { Logger } from "pino";
import { conductorError } from "../errors.js";
import { queueViews, type QueueView } from "../land-queue/queue-view.js";
import { Lander, type LandRequest, type LanderDeps } from "./lander.js";
import { hunkExcerpt, revisionInput, type LineComment } from "./line-comments.js";
import { locateTaskBranch, type TaskBranch, type TaskBranchSources } from "./task-branch.js";

export type ReviewStore = Pick<
  ControlStore,
  | "getTask"
  | "listRuns"
  | "reviseTask"
  | "discardTask"
  | "beginLanding"
  | "endLanding"
  | "enqueueLand"
  | "listLandQueue"
  | "getLease"
  | "now"
>;

/** A merge queue entry as asked for: `target` defaults to the task's base branch, `method` to rebase. */
export interface QueueRequest {
  method?: LandMethod;
  target?: string;
}

export interface TaskReviewDeps extends Omit<LanderDeps, "store"> {
  store: ReviewStore;
  /** The repository recorded with a task's worktree on this node. */
  markers: Pick<TaskBranchSources, "markerOf">;
  events: { record(input: EventInput): unknown };
  /** A task's diff answer carries at most this many bytes of patch. */
  diffMaxBytes: number;
  /** Woken when a revise queues the next round. */
  wake: () => void;
  /** Told when a task joined a land queue (wakes this node's queue, refreshes the forecast). */
  onQueued?: (task: TaskRecord) => void;
  logger: Logger;
}

/**
 * After a run: the task's diff, and the person's three answers to it — revise (the next round
 * on the same thread), land (merge locally, or push and open a pull request) and discard.
 */
export class TaskReview {
  readonly #d: TaskReviewDeps;
  readonly #lander: Lander;

  constructor(deps: TaskReviewDeps) {
    this.#d = deps;
    this.#lander = new Lander({ ...deps, store: deps.store });
  }

  async diff(taskId: string, options: { path?: string }) {
    const task = await this.#task(taskId);
    const where = await this.#branch(task);
    const diff = await branchDiff({
      repo: where.repo,
      base: where.baseRef,
      head: where.branch,
      ...(options.path === undefined ? {} : { path: options.path }),
      maxPatchBytes: this.#d.diffMaxBytes
    });
    return { ...diff, base: { ...diff.base, branch: where.baseBranch } };
  }

  /** What a land may name: the repository's branches and remotes (and which remotes have a forge). */
  async landingOptions(taskId: string) {
    const task = await this.#task(taskId);
    const where = await this.#branch(task);
    const [branches, remotes] = await Promise.all([listBranches(where.repo), listRemotes(where.repo)]);
    const withForge = await Promise.all(
      remotes.map(async (name) => {
        const parsed = await remoteRepository({ repo: where.repo, remote: name }).catch(() => null);
        return { name, forge: parsed !== null && this.#d.forge !== null ? ("github" as const) : null };
      })
    );
    return {
      baseBranch: task.baseBranch,
      branches: branches.filter((name) => !name.startsWith("baa/")),
      remotes: withForge
    };
  }

  /** Line comments quote the hunk they are on, so the turn shows Codex what the person saw. */
  async revise(taskId: string, request: { comment?: string; comments?: LineComment[] }): Promise<TaskRecord> {
    const quoted = request.comments === undefined ? [] : await this.#quote(taskId, request.comments);
    const comment = revisionInput(request.comment, quoted);
    const outcome = await this.#d.store.reviseTask(taskId, comment);
    if (outcome === undefined) throw conductorError("task_not_found", `no task ${taskId}`);
    if (outcome.kind === "not_revisable") {
      const why =
        outcome.task.baseBranch === null ? "it has no worktree branch" : `it is ${outcome.task.state}`;
      throw conductorError(
        "task_not_revisable",
        `task ${taskId} cannot be revised: ${why} (revise takes in_review or ended tasks with a branch)`
      );
    }
    this.#d.events.record({
      type: "task.revised",
      taskId,
      data: { round: outcome.task.round, comment: request.comment ?? null, comments: request.comments ?? [] }
    });
    this.#d.logger.info({ taskId, round: outcome.task.round }, "task revised");
    this.#d.wake();
    return outcome.task;
  }

  async land(taskId: string, request: LandRequest): Promise<TaskRecord> {
    const task = await this.#task(taskId);
    const where = await this.#branch(task);
    return this.#lander.land(task, where, request);
  }

  /**
   * Puts an approved task at the end of the land queue of its repository and target; the
   * queue lands it by `rebase` unless told otherwise (a linear history on the moving tip).
   */
  async enqueue(taskId: string, request: QueueRequest): Promise<TaskRecord> {
    const task = await this.#task(taskId);
    const where = await this.#branch(task);
    const target = request.target ?? task.baseBranch;
    if (target === null) {
      throw conductorError(
        "validation_failed",
        "invalid body: target: the task began on a detached HEAD; name the branch to land on"
      );
    }
    if (!(await branchExists(where.repo, target)))
      throw conductorError("unknown_target", `target: ${target} is not a branch of ${where.repo}`);
    const outcome = await this.#d.store.enqueueLand(taskId, {
      repo: where.repo,
      target,
      method: request.method ?? "rebase"
    });
    if (outcome === undefined) throw conductorError("task_not_found", `no task ${taskId}`);
    if (outcome.kind === "already_queued") {
      const queued = outcome.task.landQueue;
      throw conductorError(
        "already_queued",
        `task ${taskId} is queued already (to land on ${queued?.target ?? "?"}); it keeps its place`
      );
    }
    if (outcome.kind === "not_queueable") {
      throw conductorError(
        "task_not_queueable",
        `task ${taskId} is ${outcome.task.state}; the queue takes a task in_review (or succeeded with a branch)`
      );
    }
    this.#d.events.record({ type: "task.queued_to_land", taskId, data: { ...outcome.task.landQueue } });
    this.#d.logger.info({ taskId, target, repo: where.repo }, "task queued to land");
    this.#d.onQueued?.(outcome.task);
    return outcome.task;
  }

  /** Every land queue, in order. */
  queues(): Promise<QueueView[]> {
    return queueViews(this.#d.store);
  }

  /** Lands a task whose policy is auto_land; on any refusal it stays in_review with the reason. */
  async autoLand(taskId: string): Promise<void> {
    try {
      // Read afresh: the claim's snapshot predates the base branch its first run recorded.
      const task = await this.#task(taskId);
      const where = await this.#branch(task);
      await this.#lander.land(task, where, { method: "merge" as LandMethod }, "auto_land");
    } catch (error) {
      this.#d.logger.warn({ err: error, taskId }, "auto_land did not land the task; it waits in review");
    }
  }

  async discard(taskId: string, reason: string | undefined): Promise<TaskRecord> {
    const outcome = await this.#d.store.discardTask(taskId, reason);
    if (outcome === undefined) throw conductorError("task_not_found", `no task ${taskId}`);
    if (outcome === null) {
      const task = await this.#task(taskId);
      throw conductorError(
        "task_not_discardable",
        `task ${taskId} is ${task.state}; only a task in_review can be discarded`
      );
    }
    this.#d.events.record({ type: "task.discarded", taskId, data: { reason: outcome.stateReason } });
    return outcome;
  }

  async #quote(taskId: string, comments: LineComment[]): Promise<Array<LineComment & { excerpt: string }>> {
    const task = await this.#task(taskId);
    const where = await this.#branch(task);
    const patches = new Map<string, string>();
    return Promise.all(
      comments.map(async (comment, index) => {
        let patch = patches.get(comment.path);
        if (patch === undefined) {
          patch = (
            await branchDiff({
              repo: where.repo,
              base: where.baseRef,
              head: where.branch,
              path: comment.path,
              maxPatchBytes: this.#d.diffMaxBytes
            })
          ).patch;
          patches.set(comment.path, patch);
        }
        const excerpt = hunkExcerpt(patch, comment.side, comment.line);
        if (excerpt === null) {
          throw conductorError(
            "validation_failed",
            `invalid body: comments.${index}: ${comment.path} line ${comment.line} (${comment.side}) is not in the task's diff`
          );
        }
        return { ...comment, excerpt };
      })
    );
  }

  async #task(taskId: string): Promise<TaskRecord> {
    const task = await this.#d.store.getTask(taskId);
    if (task === undefined) throw conductorError("task_not_found", `no task ${taskId}`);
    return task;
  }

  #branch(task: TaskRecord): Promise<TaskBranch> {
    return locateTaskBranch(task, {
      markerOf: (id) => this.#d.markers.markerOf(id),
      listRuns: (id) => this.#d.store.listRuns(id)
    });
  }
}
