/** Why a task-git operation refused; each code is stable and documented in the package README. */
export type TaskGitErrorCode =
  | "unknown_ref"
  | "unknown_target"
  | "unknown_remote"
  | "no_merge_base"
  | "land_conflict"
  | "target_moved"
  | "target_worktree_dirty"
  | "lease_not_allowed"
  | "push_rejected"
  | "push_failed";

export interface TaskGitErrorDetails {
  /** land_conflict: the conflicted paths; target_worktree_dirty: what is in the way. */
  paths?: string[];
  /** target_worktree_dirty: the checkout that refused. */
  worktree?: string;
  /** target_moved: where the target was expected and where it is. */
  expected?: string;
  actual?: string | null;
}

/** A refusal. Every refusal leaves refs, index and working files as they were. */
export class TaskGitError extends Error {
  readonly code: TaskGitErrorCode;
  readonly paths: string[];
  readonly worktree: string | null;
  readonly details: TaskGitErrorDetails;

  constructor(
    code: TaskGitErrorCode,
    message: string,
    details: TaskGitErrorDetails = {},
    options?: { cause?: unknown }
  ) {
    super(message, options);
    this.name = "TaskGitError";
    this.code = code;
    this.details = details;
    this.paths = details.paths ?? [];
    this.worktree = details.worktree ?? null;
  }
}
