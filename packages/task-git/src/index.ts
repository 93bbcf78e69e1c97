export { parseAuthor, type GitIdentity } from "./author.js";
export { branchDiff, type BranchDiff, type BranchDiffOptions } from "./branch-diff.js";
export { commitMessage, commitRun, type CommitRunOptions } from "./commit-run.js";
export type { DiffFile } from "./diff-files.js";
export { TaskGitError, type TaskGitErrorCode, type TaskGitErrorDetails } from "./errors.js";
export {
  createGitRunner,
  defaultGitRunner,
  GitCommandError,
  type GitCall,
  type GitResult,
  type GitRunner,
  type GitRunnerOptions
} from "./git-runner.js";
export { landBranch, type LandBranchOptions, type LandResult } from "./land-branch.js";
export type { LandMethod } from "./land-replay.js";
export type { CheckoutNotMoved } from "./move-checkout.js";
export { pushBranch, type PushBranchOptions } from "./push-branch.js";
export { redactCredentials } from "./redact.js";
export {
  branchCommit,
  branchExists,
  changedPaths,
  currentBranch,
  isAncestor,
  listBranches,
  listRemotes,
  mergeBase,
  repoTopLevel,
  revParse
} from "./refs.js";
export { configuredRemoteUrl, remoteRepository } from "./remote-repository.js";
export { parseRemoteUrl, type RemoteRepository } from "./remote-url.js";
export {
  snapshotDifferences,
  snapshotRepository,
  type RepositorySnapshot,
  type WorktreeSnapshot
} from "./snapshot.js";
export { checkoutsOf, listWorktrees, type WorktreeEntry } from "./worktree-list.js";
