import type { RunEnding, RunWorkspace, TaskRecord } from "@baa/control-store";
import type { Logger } from "pino";
import { afterSuccess, effectiveReview } from "../review/review-policy.js";
import type { RunBranch } from "./run-branch.js";

export interface BranchEnding {
  ending: RunEnding;
  /** The commit this run made, and its patch for the run folder. */
  commit: string | null;
  patch: string | null;
}

/**
 * A run in a worktree ends with one commit of what its turn changed, whatever the outcome
 * (nothing is left only in the worktree); a run that succeeded then waits for review when its
 * task's policy asks for it and the branch holds changes. A failed commit fails the run: its
 * work would otherwise sit unrecorded beside a task said to be done.
 */
export async function settleBranch(
  branch: RunBranch,
  task: TaskRecord,
  runId: string,
  workspace: RunWorkspace | null,
  ending: RunEnding,
  log: Logger,
  /** Checks still failing when the check rounds were spent: the task waits in review with them. */
  failingChecks: readonly string[] = []
): Promise<BranchEnding> {
  if (workspace?.kind !== "worktree") return { ending, commit: null, patch: null };
  let commit: string | null;
  try {
    commit = await branch.commit(task, runId, workspace);
  } catch (error) {
    log.error({ err: error, branch: workspace.branch }, "could not commit the run's changes to its branch");
    if (ending.taskState !== "succeeded") return { ending, commit: null, patch: null };
    const reason = `the run's changes could not be committed to ${workspace.branch ?? "its branch"}: ${(error as Error).message}`;
    return {
      ending: { ...ending, runState: "failed", taskState: "failed", reason, spendAttempt: false },
      commit: null,
      patch: null
    };
  }
  let patch: string | null = null;
  if (commit !== null) {
    patch = await branch.commitPatch(workspace, commit).catch((error: unknown) => {
      log.warn({ err: error, commit }, "could not read the run's commit back for its folder");
      return null;
    });
  }
  if (ending.taskState !== "succeeded") return { ending: { ...ending, commit }, commit, patch };
  const policy = effectiveReview(task, workspace);
  let changed = false;
  if (policy !== "none") {
    changed = await branch.hasChanges(workspace).catch((error: unknown) => {
      // Unsure whether there is work to look at: a person decides, rather than losing it.
      log.warn({ err: error }, "could not compare the task's branch with its base; sending it to review");
      return true;
    });
  }
  if (failingChecks.length > 0 && policy !== "none") {
    const reason = `checks still failing after the last check round: ${failingChecks.join(", ")}`;
    return { ending: { ...ending, commit, taskState: "in_review", reason }, commit, patch };
  }
  const next = afterSuccess(policy, { changed });
  return { ending: { ...ending, commit, taskState: next.taskState, reason: next.reason }, commit, patch };
}
