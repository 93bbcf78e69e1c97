import type { ControlStore, LandMethod, LandingRecord, PushRecord, TaskRecord } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import { ForgeError, type GitHubForge } from "@baa/github-forge";
import {
  branchExists,
  landBranch,
  listRemotes,
  pushBranch,
  remoteRepository,
  TaskGitError,
  type LandBranchOptions
} from "@baa/task-git";
import type { Logger } from "pino";
import { conductorError, type ConductorErrorCode } from "../errors.js";
import type { TaskBranch } from "./task-branch.js";

export interface LandRequest {
  method?: LandMethod;
  /** The branch to land on (default: the task's base branch); with `push`, the pull request's base. */
  target?: string;
  /** A remote of the repository: push the task's branch there instead of merging locally. */
  push?: string;
  pullRequest?: { title?: string; body?: string; draft?: boolean };
  /** Internal (the merge queue): runs on the land's result before the target moves; a throw refuses the land. */
  verify?: LandBranchOptions["verify"];
}

/** Who asked for a land: a person, a task's auto_land policy, or the merge queue. */
export type LandedBy = "person" | "auto_land" | "queue";

export interface LanderDeps {
  store: Pick<ControlStore, "beginLanding" | "endLanding" | "getTask" | "listRuns">;
  events: { record(input: EventInput): unknown };
  /** Author and committer of a merge or squash commit: `Name <email>`. */
  author: string;
  /** Where the temporary worktree of a land is made. */
  worktreesDir: string;
  /** Null when no forge is configured (no BAA_GITHUB_TOKEN): a push opens no pull request. */
  forge: GitHubForge | null;
  logger: Logger;
}

type Restorable = "in_review" | "succeeded";

/**
 * `Closes #N` (and a blank line) when the task came from an issue of the repository the pull
 * request is opened in, so merging it closes the issue; GitHub reads the keyword in the body.
 */
function closesLine(task: TaskRecord, repository: { owner: string; name: string }): string {
  const source = task.source;
  if (source?.kind !== "github_issue") return "";
  const same = source.repo.toLowerCase() === `${repository.owner}/${repository.name}`.toLowerCase();
  return same ? `Closes #${source.number}\n\n` : "";
}

/** A refusal git gave, as the API's code: every one leaves the repository as it was. */
const GIT_REFUSALS: Record<string, ConductorErrorCode> = {
  land_conflict: "land_conflict",
  target_worktree_dirty: "target_worktree_dirty",
  target_moved: "target_moved",
  unknown_target: "unknown_target",
  unknown_ref: "unknown_target",
  unknown_remote: "unknown_remote",
  no_merge_base: "land_conflict",
  push_rejected: "push_rejected",
  push_failed: "push_failed"
};

/**
 * One land of one task (control-plane.md, "Landing"): the task moves `in_review → landing` in
 * one locked write, so a second land or a run cannot start beside it; git does the work where
 * no person works and moves refs only when it succeeded; the task ends `landed`, or goes back
 * to where it was with the reason.
 */
export class Lander {
  readonly #d: LanderDeps;

  constructor(deps: LanderDeps) {
    this.#d = deps;
  }

  async land(
    task: TaskRecord,
    where: TaskBranch,
    request: LandRequest,
    by: LandedBy = "person"
  ): Promise<TaskRecord> {
    if (request.pullRequest !== undefined && request.push === undefined) {
      throw conductorError(
        "validation_failed",
        "invalid body: pullRequest: needs push (the remote to open it on)"
      );
    }
    const begun = await this.#d.store.beginLanding(task.taskId);
    if (begun === undefined) throw conductorError("task_not_found", `no task ${task.taskId}`);
    if (begun.kind === "wrong_state") {
      const state = begun.task.state;
      if (state === "landing")
        throw conductorError("land_in_progress", `task ${task.taskId} is being landed already`);
      throw conductorError(
        "task_not_landable",
        `task ${task.taskId} is ${state}; a land takes a task in_review (or succeeded with a branch)`
      );
    }
    const method = request.method ?? "merge";
    let push: Omit<PushRecord, "pushedAt"> | undefined;
    try {
      const target = request.target ?? task.baseBranch;
      if (target === null) {
        throw conductorError(
          "validation_failed",
          "invalid body: target: the task began on a detached HEAD; name the branch to land on"
        );
      }
      let landing: Omit<LandingRecord, "landedAt">;
      if (request.push === undefined) {
        landing = await this.#landLocally(task, where, target, method, request.verify);
      } else {
        const remote = request.push;
        const pushed = await this.#push(where, remote);
        push = { remote, branch: where.branch, commit: pushed.commit };
        const pullRequest = await this.#pullRequest(task, where, remote, target, request.pullRequest);
        landing = { method, target, commit: pushed.commit, remote, pullRequest };
      }
      await this.#d.store.endLanding(task.taskId, {
        kind: "landed",
        landing,
        ...(push === undefined ? {} : { push })
      });
      this.#d.events.record({ type: "task.landed", taskId: task.taskId, data: { ...landing, by } });
      this.#d.logger.info(
        { taskId: task.taskId, target, method, remote: landing.remote, commit: landing.commit, by },
        "task landed"
      );
      return (await this.#d.store.getTask(task.taskId)) as TaskRecord;
    } catch (error) {
      const apiError = this.#asApiError(error);
      const who =
        by === "auto_land" ? "auto_land" : by === "queue" ? "the land queue's land" : "the last land";
      const reason = `${who} failed: ${(apiError as Error).message}`;
      await this.#restore(task.taskId, begun.from, reason, push);
      throw apiError;
    }
  }

  async #landLocally(
    task: TaskRecord,
    where: TaskBranch,
    target: string,
    method: LandMethod,
    verify: LandRequest["verify"]
  ): Promise<Omit<LandingRecord, "landedAt">> {
    if (!(await branchExists(where.repo, target))) {
      throw conductorError("unknown_target", `target: ${target} is not a branch of ${where.repo}`);
    }
    const landed = await landBranch({
      repo: where.repo,
      branch: where.branch,
      target,
      method,
      message:
        method === "merge"
          ? `Merge ${where.branch}: ${task.title}\n\nBaa-Task: ${task.taskId}`
          : `${task.title}\n\nBaa-Task: ${task.taskId}`,
      author: this.#d.author,
      worktreesDir: this.#d.worktreesDir,
      ...(verify === undefined ? {} : { verify })
    });
    if (landed.checkoutNotMoved !== null) {
      // The target moved; a checkout of it changed under us at the last moment and was left as it was.
      this.#d.logger.error(
        { taskId: task.taskId, checkout: landed.checkoutNotMoved },
        "the land moved the target but could not move a checkout of it"
      );
    }
    return { method, target, commit: landed.commit, remote: null, pullRequest: null };
  }

  async #push(where: TaskBranch, remote: string): Promise<{ commit: string }> {
    if (!(await listRemotes(where.repo)).includes(remote)) {
      throw conductorError("unknown_remote", `push: ${remote} is not a remote of ${where.repo}`);
    }
    // A revised branch was rewritten only by us, and only the task's own branch is forced.
    return pushBranch({ repo: where.repo, remote, branch: where.branch, force: "with-lease" });
  }

  async #pullRequest(
    task: TaskRecord,
    where: TaskBranch,
    remote: string,
    base: string,
    options: LandRequest["pullRequest"]
  ): Promise<{ number: number; url: string } | null> {
    if (this.#d.forge === null) return null;
    const repository = await remoteRepository({ repo: where.repo, remote });
    if (repository === null) return null;
    const body = options?.body ?? (await this.#defaultBody(task, repository));
    const opened = await this.#d.forge.openOrUpdatePullRequest({
      owner: repository.owner,
      repo: repository.name,
      head: where.branch,
      base,
      title: options?.title ?? task.title,
      body,
      ...(options?.draft === undefined ? {} : { draft: options.draft })
    });
    return { number: opened.number, url: opened.url };
  }

  async #defaultBody(task: TaskRecord, repository: { owner: string; name: string }): Promise<string> {
    const runs = await this.#d.store.listRuns(task.taskId);
    const last = runs.filter((run) => run.finalMessage !== null).at(-1);
    const summary = last?.finalMessage?.trim() ?? task.prompt;
    return `${summary}\n\n${closesLine(task, repository)}Baa-Task: ${task.taskId}`;
  }

  async #restore(
    taskId: string,
    state: Restorable,
    reason: string,
    push: Omit<PushRecord, "pushedAt"> | undefined
  ): Promise<void> {
    try {
      const restored = await this.#d.store.endLanding(taskId, {
        kind: "restore",
        state,
        reason,
        ...(push === undefined ? {} : { push })
      });
      if (!restored) this.#d.logger.error({ taskId }, "a failed land found its task no longer landing");
    } catch (error) {
      // The task stays `landing` until recoverLandings: logged, never dropped.
      this.#d.logger.error({ err: error, taskId }, "could not put the task back after a failed land");
    }
  }

  #asApiError(error: unknown): unknown {
    if (error instanceof TaskGitError) {
      const code = GIT_REFUSALS[error.code];
      // The cause keeps git's details (a conflict's paths) for the merge queue.
      if (code !== undefined) return conductorError(code, error.message, { cause: error });
    }
    if (error instanceof ForgeError) {
      return conductorError(
        "forge_failed",
        `the branch was pushed, but the pull request failed: ${error.message}`
      );
    }
    return error;
  }
}
