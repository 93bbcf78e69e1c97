import { pushBranch } from "@baa/task-git";
import { GitError, type GitRunner } from "./git-runner.js";

/** What bringing a task's branch up to the shared remote's did. */
export type BranchCatchUp =
  | { action: "none"; reason: string }
  | { action: "created" | "fast_forwarded"; remote: string; commit: string; previous: string | null }
  | { action: "failed"; remote: string; problem: string };

/** A run's commit published to the shared remote. */
export interface BranchPush {
  remote: string;
  remoteUrl: string;
  branch: string;
  commit: string;
}

const quiet = (run: Promise<string>): Promise<string | null> =>
  run.then(
    (out) => out.trim() || null,
    () => null
  );

// Hooks of the person's repository are theirs; a fetch of the task's own branch needs none.
const NO_HOOKS = ["-c", "core.hooksPath=/dev/null"];

/**
 * BAA_WORK_REMOTE: the remote every node's clone of a repository shares. A run's commit is
 * pushed to `baa/<task_id>` there when the run ends, and a node about to work on a task whose
 * branch it lacks (or holds behind the remote's) takes the remote's first, so a later round on
 * another node continues from the earlier rounds. A repository without that remote is left alone.
 */
export class WorkRemote {
  readonly #remote: string;
  readonly #git: GitRunner;

  constructor(options: { remote: string; git: GitRunner }) {
    this.#remote = options.remote;
    this.#git = options.git;
  }

  get remote(): string {
    return this.#remote;
  }

  /** True when `repo` has the work remote. */
  async hasRemote(repo: string): Promise<boolean> {
    const remotes = await this.#git(repo, ["remote"]);
    return remotes.split("\n").some((name) => name.trim() === this.#remote);
  }

  /**
   * Fetches the task's branch from the remote and moves the local one up to it when it is
   * missing or behind: created at the remote's tip, or fast-forwarded (in its worktree when it
   * has one, so the checkout moves with it). A local branch ahead or diverged is kept as it is.
   */
  async catchUp(repo: string, branch: string, worktree: string | null): Promise<BranchCatchUp> {
    if (!branch.startsWith("baa/")) return { action: "none", reason: `${branch} is not a task branch` };
    if (!(await this.hasRemote(repo))) return { action: "none", reason: `no remote ${this.#remote}` };
    const tracking = `refs/remotes/${this.#remote}/${branch}`;
    try {
      await this.#git(repo, [
        ...NO_HOOKS,
        "fetch",
        "--quiet",
        "--no-tags",
        this.#remote,
        `+refs/heads/${branch}:${tracking}`
      ]);
    } catch (error) {
      if (error instanceof GitError && /couldn't find remote ref|no such ref/i.test(error.message))
        return { action: "none", reason: `${this.#remote} has no ${branch}` };
      return { action: "failed", remote: this.#remote, problem: (error as Error).message };
    }
    const remoteTip = await quiet(
      this.#git(repo, ["rev-parse", "--verify", "--quiet", `${tracking}^{commit}`])
    );
    if (remoteTip === null) return { action: "none", reason: `${this.#remote} has no ${branch}` };
    const localTip = await quiet(
      this.#git(repo, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}^{commit}`])
    );
    if (localTip === remoteTip) return { action: "none", reason: "up to date" };
    try {
      if (localTip === null) {
        await this.#git(repo, ["branch", "--no-track", branch, remoteTip]);
        return { action: "created", remote: this.#remote, commit: remoteTip, previous: null };
      }
      const behind = await this.#git(repo, ["merge-base", "--is-ancestor", localTip, remoteTip]).then(
        () => true,
        () => false
      );
      if (!behind)
        return {
          action: "none",
          reason: "the local branch is ahead of the remote's or has diverged from it"
        };
      if (worktree !== null) await this.#git(worktree, ["merge", "--ff-only", "--quiet", remoteTip]);
      else await this.#git(repo, ["update-ref", `refs/heads/${branch}`, remoteTip, localTip]);
      return { action: "fast_forwarded", remote: this.#remote, commit: remoteTip, previous: localTip };
    } catch (error) {
      return { action: "failed", remote: this.#remote, problem: (error as Error).message };
    }
  }

  /**
   * Where a branch taken from the remote started, for a node that never made its worktree:
   * the repository's current branch, and the commit the task's work forks from it at.
   */
  async forkPoint(repo: string, branch: string): Promise<{ baseCommit: string; baseBranch: string | null }> {
    const baseBranch = await quiet(this.#git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"]));
    const baseCommit =
      (await quiet(this.#git(repo, ["merge-base", "HEAD", `refs/heads/${branch}`]))) ??
      (await this.#git(repo, ["rev-parse", `refs/heads/${branch}`])).trim();
    return { baseCommit, baseBranch };
  }

  /**
   * Pushes the task's branch to the remote, replacing what is there only if it is still what
   * this clone last saw of it (force with lease): a node that lost the task cannot overwrite a
   * later round. Null when the repository has no such remote.
   */
  async push(worktree: string, branch: string): Promise<BranchPush | null> {
    if (!(await this.hasRemote(worktree))) return null;
    const pushed = await pushBranch({ repo: worktree, remote: this.#remote, branch, force: "with-lease" });
    return { remote: this.#remote, remoteUrl: pushed.remoteUrl, branch, commit: pushed.commit };
  }
}
