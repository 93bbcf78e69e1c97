import type { RunRecord, TaskRecord } from "@baa/control-store";
import { branchExists, repoTopLevel } from "@baa/task-git";
import { conductorError } from "../errors.js";
import { comparisonBase } from "../workspaces/fresh-base.js";
import { execGit } from "../workspaces/git-runner.js";
import { branchFor } from "../workspaces/workspaces.js";

/** Where a task's work is: its repository, its branch, and what that branch is compared with. */
export interface TaskBranch {
  repo: string;
  branch: string;
  /** The task's base branch when it still exists, else null (the base commit stands in). */
  baseBranch: string | null;
  /** What the diff compares against: the base branch (its upstream when that is ahead), or the first run's base commit. */
  baseRef: string;
}

export interface TaskBranchSources {
  /** The repository recorded when this node made the task's worktree. */
  markerOf(taskId: string): { repo: string; baseCommit: string } | null;
  listRuns(taskId: string): Promise<RunRecord[]>;
}

/** Finds a task's branch, or answers 409 `task_has_no_branch` when it never worked in a worktree. */
export async function locateTaskBranch(task: TaskRecord, sources: TaskBranchSources): Promise<TaskBranch> {
  const marker = sources.markerOf(task.taskId);
  const runs = marker === null ? await sources.listRuns(task.taskId) : [];
  const firstWorktree = runs.find(
    (run) => run.workspace?.kind === "worktree" && run.workspace.baseCommit !== null
  );
  const repo =
    marker?.repo ?? (task.cwd === null || firstWorktree === undefined ? null : await repoTopLevel(task.cwd));
  const baseCommit = marker?.baseCommit ?? firstWorktree?.workspace?.baseCommit ?? null;
  const branch = branchFor(task.taskId);
  if (repo === null || baseCommit === null || !(await branchExists(repo, branch))) {
    throw conductorError(
      "task_has_no_branch",
      `task ${task.taskId} has no branch to review (it did not run in a git worktree on this node)`
    );
  }
  const baseBranch =
    task.baseBranch !== null && (await branchExists(repo, task.baseBranch)) ? task.baseBranch : null;
  const baseRef = baseBranch === null ? baseCommit : await comparisonBase(execGit, repo, baseBranch);
  return { repo, branch, baseBranch, baseRef };
}
