import type { RunWorkspace, TaskRecord } from "@baa/control-store";

/**
 * What a run does with its task's branch when it ends: one commit of everything its turn
 * changed, and whether the branch then holds work to review. The executor's unit tests pass a
 * fake; `review/run-branch-git.ts` is the real one.
 */
export interface RunBranch {
  /** Commits what the worktree holds that its branch does not; the sha, or null when nothing changed. */
  commit(
    task: Pick<TaskRecord, "taskId" | "title">,
    runId: string,
    workspace: RunWorkspace
  ): Promise<string | null>;
  /** The patch of one commit, for the run folder's `diff.patch`. */
  commitPatch(workspace: RunWorkspace, commit: string): Promise<string>;
  /** True when the branch differs from its base (from their merge base), whichever run made the change. */
  hasChanges(workspace: RunWorkspace): Promise<boolean>;
  /** Pushes the branch to the shared work remote (BAA_WORK_REMOTE); null when there is none for this repository. */
  publish?(
    workspace: RunWorkspace
  ): Promise<{ remote: string; remoteUrl: string; branch: string; commit: string } | null>;
}
