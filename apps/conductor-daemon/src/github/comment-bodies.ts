import type { TaskRecord } from "@baa/control-store";

export type CommentKind = "review" | "landed" | "failed";

/** What the review comment says about the diff: per file, and the totals. */
export interface DiffSummary {
  files: ReadonlyArray<{
    path: string;
    oldPath: string;
    status: string;
    additions: number;
    deletions: number;
    binary: boolean;
  }>;
}

/** A review comment lists at most this many files; the rest are counted. */
const MAX_FILES_LISTED = 50;

/**
 * An HTML comment (invisible on GitHub) naming the task and the kind: how a later attempt
 * recognises a comment an earlier one posted before it could record it.
 */
export function commentMarker(taskId: string, kind: CommentKind): string {
  return `<!-- baa-conductor:${taskId}:${kind} -->`;
}

export function commentBody(task: TaskRecord, kind: CommentKind, diff: DiffSummary | null): string {
  const text =
    kind === "review" ? reviewText(task, diff) : kind === "landed" ? landedText(task) : failedText(task);
  return `${text}\n\n${commentMarker(task.taskId, kind)}`;
}

function reviewText(task: TaskRecord, diff: DiffSummary | null): string {
  const head = `The task \`${task.taskId}\` for this issue finished a run and is waiting for review (branch \`baa/${task.taskId}\`).`;
  if (diff === null) return `${head}\n\nIts diff could not be read on the node that posts this comment.`;
  const added = diff.files.reduce((sum, file) => sum + file.additions, 0);
  const deleted = diff.files.reduce((sum, file) => sum + file.deletions, 0);
  const count = diff.files.length;
  const lines = diff.files.slice(0, MAX_FILES_LISTED).map((file) => {
    const name = file.status === "renamed" ? `\`${file.oldPath}\` → \`${file.path}\`` : `\`${file.path}\``;
    const change = file.binary ? "binary" : `+${file.additions} −${file.deletions}`;
    return `- ${name} (${file.status}, ${change})`;
  });
  if (count > MAX_FILES_LISTED) lines.push(`- … and ${count - MAX_FILES_LISTED} more files`);
  return `${head}\n\n**${count} ${count === 1 ? "file" : "files"} changed, +${added} −${deleted}**\n\n${lines.join("\n")}`;
}

function landedText(task: TaskRecord): string {
  const landing = task.landing;
  if (landing?.pullRequest)
    return `The task \`${task.taskId}\` for this issue landed: pull request ${landing.pullRequest.url}`;
  if (landing?.remote)
    return `The task \`${task.taskId}\` for this issue landed: branch \`baa/${task.taskId}\` pushed to \`${landing.remote}\` (commit \`${landing.commit}\`).`;
  if (landing)
    return `The task \`${task.taskId}\` for this issue landed: merged into \`${landing.target}\` as commit \`${landing.commit}\`.`;
  return `The task \`${task.taskId}\` for this issue landed.`;
}

function failedText(task: TaskRecord): string {
  const what = task.state === "timed_out" ? "timed out" : "failed";
  const reason = task.stateReason?.trim() || "no reason was recorded";
  return `The task \`${task.taskId}\` for this issue ${what}: ${reason}`;
}
