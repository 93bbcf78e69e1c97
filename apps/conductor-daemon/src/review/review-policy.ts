import type { ReviewPolicy, RunWorkspace, TaskRecord } from "@baa/control-store";

/** A task that names no policy: a worktree task waits for review, any other ends as before. */
export function effectiveReview(
  task: Pick<TaskRecord, "review">,
  workspace: Pick<RunWorkspace, "kind"> | null
): ReviewPolicy {
  if (workspace?.kind !== "worktree") return "none";
  return task.review ?? "required";
}

/** Where a run that succeeded leaves its task: pure, from the policy and what its branch holds. */
export function afterSuccess(
  policy: ReviewPolicy,
  branch: { changed: boolean } | null
): { taskState: "succeeded" | "in_review"; reason: string | null } {
  if (policy === "none" || branch === null) return { taskState: "succeeded", reason: null };
  if (!branch.changed) return { taskState: "succeeded", reason: "no changes" };
  return {
    taskState: "in_review",
    reason: policy === "auto_land" ? "landing automatically" : "waiting for review"
  };
}
