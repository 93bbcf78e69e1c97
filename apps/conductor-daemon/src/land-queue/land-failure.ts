import { isAppError } from "@baa/api-errors";
import type { CheckResult } from "@baa/control-store";
import { TaskGitError } from "@baa/task-git";
import { checkFeedback } from "../checks/check-runner.js";

/** The checks run on the target's new tip failed (a failed setup counts as one). */
export class ChecksFailedError extends Error {
  constructor(
    readonly failed: CheckResult[],
    readonly targetTip: string
  ) {
    super(`checks failed on ${targetTip.slice(0, 12)}: ${failed.map((check) => check.name).join(", ")}`);
    this.name = "ChecksFailedError";
  }
}

/** This node's hold on the target's lock lapsed before the target could move. */
export class LockLostError extends Error {
  constructor(scope: string) {
    super(`the land lock ${scope} was lost; the target was not moved`);
    this.name = "LockLostError";
  }
}

/** The node is stopping: the checks were cut short, which says nothing about the task. */
export class QueueStoppedError extends Error {
  constructor() {
    super("the conductor is stopping; the land will be tried again");
    this.name = "QueueStoppedError";
  }
}

/**
 * What the queue does after a land failed:
 * - `retry`: land the same entry again now (someone moved the target mid-land);
 * - `send_back`: the task leaves the queue and gets a revise round with `comment`;
 * - `wait`: the entry keeps its place; this queue is looked at again on the next poll
 *   (a person's checkout of the target is dirty, the task is being landed by hand, lock lost, stop);
 * - `drop`: the task leaves the queue and waits in review with the reason (not something a
 *   new round can fix: the target is gone, the branch is gone).
 */
export type LandFailureDecision =
  | { kind: "retry" }
  | { kind: "send_back"; comment: string; why: "conflict" | "checks" }
  | { kind: "wait" }
  | { kind: "drop" };

const WAIT_CODES = new Set(["target_worktree_dirty", "land_in_progress", "store_unavailable"]);

/** Decides from the error a land threw; `maxCheckRounds` only shapes the comment's wording. */
export function judgeLandFailure(
  error: unknown,
  context: { target: string; round: number; maxCheckRounds: number }
): LandFailureDecision {
  if (error instanceof ChecksFailedError) {
    const intro =
      `The merge queue rebuilt your branch on ${context.target}'s current tip (${error.targetTip.slice(0, 12)}) and ran the ` +
      `repository's checks there; they failed, so ${context.target} was not moved and the task left the queue.`;
    return {
      kind: "send_back",
      why: "checks",
      comment: `${intro}\n\n${checkFeedback(error.failed, context.round, context.maxCheckRounds)}`
    };
  }
  if (error instanceof LockLostError || error instanceof QueueStoppedError) return { kind: "wait" };
  if (!isAppError(error)) return { kind: "drop" };
  if (error.code === "target_moved") return { kind: "retry" };
  if (WAIT_CODES.has(error.code)) return { kind: "wait" };
  if (error.code === "land_conflict") {
    const paths = error.cause instanceof TaskGitError ? error.cause.paths : [];
    if (paths.length === 0) return { kind: "drop" };
    return { kind: "send_back", why: "conflict", comment: conflictComment(context.target, paths) };
  }
  return { kind: "drop" };
}

function conflictComment(target: string, paths: string[]): string {
  const list = paths.map((path) => `- ${path}`).join("\n");
  return (
    `The merge queue could not land your branch: it conflicts with ${target}'s current tip (work landed since you began) in:\n${list}\n\n` +
    `Bring ${target} into your branch (e.g. \`git merge ${target}\` or \`git rebase ${target}\`), resolve the conflicts keeping both intents, ` +
    `and make sure the checks still pass. The task left the queue; it is queued again by a person once reviewed.`
  );
}
