import type { RunWorkspace } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import type { Logger } from "pino";
import type { RunBranch } from "./run-branch.js";

/**
 * A worktree run's branch sent to the shared remote when the run ends (BAA_WORK_REMOTE), so
 * its task's rounds outlive this node; the event to record says where it went, or why not. A
 * failed push never fails the run: its commit is on this node's branch either way.
 */
export async function publishBranch(
  branch: RunBranch,
  workspace: RunWorkspace | null,
  log: Logger
): Promise<Omit<EventInput, "taskId" | "runId"> | null> {
  if (branch.publish === undefined || workspace?.kind !== "worktree" || workspace.branch === null)
    return null;
  try {
    const pushed = await branch.publish(workspace);
    if (pushed === null) return null;
    log.info({ ...pushed }, "task branch pushed to the work remote");
    return { type: "run.branch_pushed", data: pushed };
  } catch (error) {
    log.warn({ err: error, branch: workspace.branch }, "could not push the task's branch to the work remote");
    return {
      type: "run.branch_push_failed",
      data: { branch: workspace.branch, error: (error as Error).message }
    };
  }
}
