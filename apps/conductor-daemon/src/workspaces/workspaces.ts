import { existsSync, mkdirSync, readdirSync, realpathSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import type { RunWorkspace, TaskRecord, WorkspaceKind } from "@baa/control-store";
import { readJsonFile, writeJsonAtomic } from "@baa/state-files";
import type { Logger } from "pino";
import { freshBase } from "./fresh-base.js";
import { GitError, type GitRunner } from "./git-runner.js";
import type { BranchCatchUp, WorkRemote } from "./work-remote.js";

/** A task's own worktree, remembered beside it (`<worktreesDir>/<taskId>.json`). */
interface WorktreeMarker {
  taskId: string;
  repo: string;
  branch: string;
  baseCommit: string;
  /** The branch checked out in the repository when the worktree was first made (null: detached). */
  baseBranch?: string | null;
  /** Where the branch started: `HEAD` or the fetched upstream; why a fetch failed. */
  base?: { from: string; fetchProblem: string | null } | null;
  /** When setup last passed in this worktree; null: it needs setup before its first turn. */
  setupAt?: string | null;
  path: string;
  createdAt: string;
  removedAt: string | null;
}

/** Where a run works and the directory its session starts in (a subdirectory of a worktree keeps its place). */
export interface PreparedWorkspace {
  workspace: RunWorkspace;
  cwd: string;
  /** A worktree whose setup has not passed yet (new, or made again after removal). */
  needsSetup: boolean;
  /** The repository a worktree belongs to (null for shared and scratch). */
  repo: string | null;
}

/** The task asked for a worktree where there is no git repository, or git failed. */
export class WorkspaceError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WorkspaceError";
  }
}

export interface WorkspacesOptions {
  git: GitRunner;
  /** Where task worktrees and their markers live. */
  worktreesDir: string;
  /** Where a task that names no cwd gets a directory of its own. */
  scratchDir: string;
  logger: Logger;
  /** Epoch ms, for the markers. */
  wallNow: () => number;
  /** BAA_WORK_REMOTE: a task's branch is first brought up to that remote's (another node's rounds). */
  workRemote?: WorkRemote;
}

const IDENTITY = ["-c", "user.name=baa-conductor", "-c", "user.email=baa-conductor@localhost"];

/**
 * Task workspaces. `worktree` (the default inside a git repository): the task's own
 * `git worktree` on branch `baa/<taskId>`, made from the repository's HEAD at the first run
 * and reused by later runs; `shared`: the task's cwd as given. Branches are never deleted.
 */
export class Workspaces {
  readonly #o: WorkspacesOptions;
  readonly #log: Logger;
  // git worktree add/remove write the repository's admin files: one at a time per repository.
  readonly #repoQueues = new Map<string, Promise<unknown>>();

  constructor(options: WorkspacesOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "workspaces" });
  }

  /** The git top level containing `dir`, or null when it is not in a repository. */
  async repoOf(dir: string): Promise<string | null> {
    try {
      return (await this.#o.git(dir, ["rev-parse", "--show-toplevel"])).trim();
    } catch (error) {
      if (error instanceof GitError) return null;
      throw error;
    }
  }

  /** Why a task with this cwd and workspace could not run on this node, or null when it can. */
  async problemWith(cwd: string, workspace: WorkspaceKind | null): Promise<string | null> {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(cwd).isDirectory();
    } catch {
      return `cwd: ${cwd} does not exist on this node`;
    }
    if (!isDirectory) return `cwd: ${cwd} is not a directory`;
    if (workspace === "worktree" && (await this.repoOf(cwd)) === null)
      return `workspace: "worktree" needs a cwd inside a git repository; ${cwd} is not`;
    return null;
  }

  /**
   * A task with no cwd works in a scratch directory of its own under the state dir, never in
   * the directory the conductor or codexd happens to run from (a person's checkout).
   */
  async prepare(task: Pick<TaskRecord, "taskId" | "cwd" | "workspace">): Promise<PreparedWorkspace> {
    if (task.cwd === null) {
      const path = join(this.#o.scratchDir, task.taskId);
      mkdirSync(path, { recursive: true });
      return {
        workspace: { kind: "scratch", path, branch: null, baseCommit: null },
        cwd: path,
        needsSetup: false,
        repo: null
      };
    }
    if (!existsSync(task.cwd)) throw new WorkspaceError(`cwd ${task.cwd} does not exist`);
    if (task.workspace === "shared")
      return {
        workspace: { kind: "shared", path: task.cwd, branch: null, baseCommit: null },
        cwd: task.cwd,
        needsSetup: false,
        repo: null
      };
    const repo = await this.repoOf(task.cwd);
    if (repo === null) {
      if (task.workspace === "worktree")
        throw new WorkspaceError(
          `cwd ${task.cwd} is not inside a git repository; workspace "worktree" needs one`
        );
      return {
        workspace: { kind: "shared", path: task.cwd, branch: null, baseCommit: null },
        cwd: task.cwd,
        needsSetup: false,
        repo: null
      };
    }
    const inside = relative(realpathSync(repo), realpathSync(task.cwd));
    const marker = await this.#serial(repo, () => this.#ensureWorktree(task.taskId, repo));
    const cwd = inside === "" ? marker.path : join(marker.path, inside);
    mkdirSync(cwd, { recursive: true });
    const workspace = {
      kind: "worktree" as const,
      path: marker.path,
      branch: marker.branch,
      baseCommit: marker.baseCommit,
      baseBranch: marker.baseBranch ?? null
    };
    return { workspace, cwd, needsSetup: (marker.setupAt ?? null) === null, repo };
  }

  /** Setup passed in the task's worktree: later runs there skip it (a worktree made again needs it again). */
  markSetupDone(taskId: string): void {
    const path = this.#markerPath(taskId);
    const marker = existsSync(path) ? readJsonFile<WorktreeMarker | null>(path, null) : null;
    if (marker === null) return;
    writeJsonAtomic(path, { ...marker, setupAt: new Date(this.#o.wallNow()).toISOString() });
  }

  /** The repository and marker of a task's worktree, as recorded when it was made; null when it never had one here. */
  markerOf(
    taskId: string
  ): { repo: string; branch: string; baseCommit: string; baseBranch: string | null; path: string } | null {
    const path = this.#markerPath(taskId);
    if (!existsSync(path)) return null;
    const marker = readJsonFile<WorktreeMarker | null>(path, null);
    return marker === null
      ? null
      : {
          repo: marker.repo,
          branch: marker.branch,
          baseCommit: marker.baseCommit,
          baseBranch: marker.baseBranch ?? null,
          path: marker.path
        };
  }

  /**
   * Removes worktrees of tasks that ended at least `retentionMs` ago. What a run left
   * uncommitted is first committed to the task's branch, so removing the worktree loses nothing.
   */
  async reap(options: {
    endedAt: (taskId: string) => Promise<string | null>;
    retentionMs: number;
    nowMs: number;
  }): Promise<string[]> {
    const removed: string[] = [];
    for (const marker of this.#markers()) {
      if (marker.removedAt !== null) continue;
      const endedAt = await options.endedAt(marker.taskId);
      if (endedAt === null || Date.parse(endedAt) + options.retentionMs > options.nowMs) continue;
      try {
        await this.#serial(marker.repo, () => this.#remove(marker));
        removed.push(marker.taskId);
      } catch (error) {
        this.#log.warn(
          { err: error, taskId: marker.taskId, path: marker.path },
          "could not remove a task worktree; will try again"
        );
      }
    }
    return removed;
  }

  async #ensureWorktree(taskId: string, repo: string): Promise<WorktreeMarker> {
    const markerPath = this.#markerPath(taskId);
    const known = existsSync(markerPath) ? readJsonFile<WorktreeMarker | null>(markerPath, null) : null;
    const live = known !== null && known.removedAt === null && existsSync(known.path);
    const branch = branchFor(taskId);
    const caughtUp = await this.#catchUp(taskId, repo, branch, live ? (known?.path ?? null) : null);
    if (live && known !== null) return known;
    const path = join(this.#o.worktreesDir, taskId);
    mkdirSync(this.#o.worktreesDir, { recursive: true });
    const git = this.#o.git;
    try {
      // A stale admin entry (the directory was deleted by hand) would make `worktree add` refuse.
      await git(repo, ["worktree", "prune"]);
      const branchExists = await git(repo, ["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`]).then(
        () => true,
        () => false
      );
      let baseCommit: string;
      let baseBranch = known?.baseBranch ?? null;
      let fresh: WorktreeMarker["base"] = null;
      if (
        branchExists &&
        known === null &&
        caughtUp?.action === "created" &&
        this.#o.workRemote !== undefined
      ) {
        // Another node's rounds, new here: the task forks from this repository's branch where they did.
        ({ baseCommit, baseBranch } = await this.#o.workRemote.forkPoint(repo, branch));
        fresh = { from: `${caughtUp.remote}/${branch}`, fetchProblem: null };
        await git(repo, ["worktree", "add", path, branch]);
      } else if (branchExists) {
        baseCommit = known?.baseCommit ?? (await git(repo, ["rev-parse", `refs/heads/${branch}`])).trim();
        await git(repo, ["worktree", "add", path, branch]);
      } else {
        baseBranch = await git(repo, ["symbolic-ref", "--quiet", "--short", "HEAD"]).then(
          (name) => name.trim() || null,
          () => null
        );
        const base = await freshBase(git, repo, baseBranch);
        if (base.fetchProblem !== null)
          this.#log.warn(
            { taskId, baseBranch, problem: base.fetchProblem },
            "could not fetch the base branch's upstream; the task starts from what is known locally"
          );
        baseCommit = base.commit;
        fresh = { from: base.from, fetchProblem: base.fetchProblem };
        await git(repo, ["worktree", "add", "-b", branch, path, baseCommit]);
      }
      const marker: WorktreeMarker = {
        taskId,
        repo,
        branch,
        baseCommit,
        baseBranch,
        base: fresh ?? known?.base ?? null,
        setupAt: null,
        path,
        createdAt: new Date(this.#o.wallNow()).toISOString(),
        removedAt: null
      };
      writeJsonAtomic(markerPath, marker);
      this.#log.info({ taskId, repo, branch, baseCommit, path }, "task worktree created");
      return marker;
    } catch (error) {
      throw new WorkspaceError(
        `could not create the worktree of ${taskId} in ${repo}: ${(error as Error).message}`,
        { cause: error }
      );
    }
  }

  /** Brings the task's branch up to the work remote's; a failure is logged and the run goes on with what is here. */
  async #catchUp(
    taskId: string,
    repo: string,
    branch: string,
    worktree: string | null
  ): Promise<BranchCatchUp | null> {
    const remote = this.#o.workRemote;
    if (remote === undefined) return null;
    const result = await remote.catchUp(repo, branch, worktree);
    if (result.action === "failed")
      this.#log.warn(
        { taskId, branch, remote: result.remote, problem: result.problem },
        "could not bring the task's branch up to the work remote's; it goes on from what this node has"
      );
    else if (result.action !== "none")
      this.#log.info({ taskId, branch, ...result }, "task branch taken from the work remote");
    return result;
  }

  async #remove(marker: WorktreeMarker): Promise<void> {
    const git = this.#o.git;
    if (existsSync(marker.path)) {
      await git(marker.path, ["add", "-A"]);
      const pending = (await git(marker.path, ["status", "--porcelain"])).trim();
      if (pending !== "") {
        const hasIdentity = await git(marker.path, ["config", "user.email"]).then(
          (email) => email.trim() !== "",
          () => false
        );
        await git(marker.path, [
          ...(hasIdentity ? [] : IDENTITY),
          "commit",
          "--no-verify",
          "-q",
          "-m",
          `baa: work left uncommitted by ${marker.taskId}`
        ]);
        this.#log.info(
          { taskId: marker.taskId, branch: marker.branch },
          "committed a task's uncommitted work before removing its worktree"
        );
      }
      await git(marker.repo, ["worktree", "remove", "--force", marker.path]);
    }
    writeJsonAtomic(this.#markerPath(marker.taskId), {
      ...marker,
      removedAt: new Date(this.#o.wallNow()).toISOString()
    });
    this.#log.info(
      { taskId: marker.taskId, branch: marker.branch },
      "task worktree removed; its branch stays"
    );
  }

  #markers(): WorktreeMarker[] {
    if (!existsSync(this.#o.worktreesDir)) return [];
    return readdirSync(this.#o.worktreesDir)
      .filter((name) => name.endsWith(".json") && !name.startsWith("."))
      .flatMap((name) => {
        try {
          const marker = readJsonFile<WorktreeMarker | null>(join(this.#o.worktreesDir, name), null);
          return marker === null ? [] : [marker];
        } catch (error) {
          this.#log.warn({ err: error, file: name }, "unreadable worktree marker skipped");
          return [];
        }
      });
  }

  #markerPath(taskId: string): string {
    return join(this.#o.worktreesDir, `${taskId}.json`);
  }

  #serial<T>(repo: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#repoQueues.get(repo) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.#repoQueues.set(repo, settled);
    void settled.then(() => {
      if (this.#repoQueues.get(repo) === settled) this.#repoQueues.delete(repo);
    });
    return next;
  }
}

/** `baa/task-…` for a task id `task-…`. */
export function branchFor(taskId: string): string {
  const safe = taskId.replace(/[^A-Za-z0-9._-]/g, "-");
  return `baa/${safe.startsWith("task-") ? safe : `task-${safe}`}`;
}
