import type { CommandContext } from "../command.js";
import type { EventSocket } from "../conductor-client.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { ProgressLine, printResult, seconds, type EventLike } from "../output.js";
import {
  ENDED_TASK_STATES,
  GOOD_TASK_STATES,
  WAITING_TASK_STATES,
  reviewHint,
  shortSha,
  type RunView,
  type TaskView
} from "./task-views.js";

const POLL_MS = 500;

/**
 * Follows a task until it ends or waits on a person (`in_review`): its events live (replayed
 * from the start), a progress line, then the outcome and the last run's final message.
 * Exit 0 when it succeeded, landed or waits in review; 1 for any other end.
 */
export async function followTask({ client, out, sleep }: CommandContext, taskId: string): Promise<number> {
  const started = out.now();
  const progress = new ProgressLine(out);
  let events = 0;
  let wake: () => void = () => {};
  let socket: EventSocket | undefined;
  const id = encodeURIComponent(taskId);
  try {
    socket = await client.openSocket(`/v1/tasks/${id}/events`, { after: 0 }, (raw) => {
      const event = raw as EventLike;
      events++;
      if (event.type === "approval.requested") {
        const approval = (event.data as { approval?: { approvalId?: string; kind?: string } } | undefined)
          ?.approval;
        progress.note(
          `task ${taskId} waits for approval ${approval?.approvalId} (${approval?.kind}): baa approve ${approval?.approvalId}`
        );
      }
      wake();
    });
  } catch (error) {
    progress.note(
      `live events unavailable (${error instanceof CliError ? error.message : String(error)}); following by polling`
    );
  }
  try {
    let task: TaskView;
    for (;;) {
      ({ task } = await client.get<{ task: TaskView }>(`/v1/tasks/${id}`));
      if (ENDED_TASK_STATES.has(task.state) || WAITING_TASK_STATES.has(task.state)) break;
      // Only the task's state names the line (never the Codex turn's status, which has other
      // words for the same moment); the event count and clock change without a new line.
      progress.update(
        `task ${taskId} ${task.state}${progressDetail(task)}`,
        `${events} events · ${seconds(out.now() - started)}`
      );
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(POLL_MS)]);
    }
    const run =
      task.lastRunId === null
        ? null
        : (await client.get<{ run: RunView }>(`/v1/runs/${encodeURIComponent(task.lastRunId)}`)).run;
    progress.clear();
    const result = { task, run, events, elapsedMs: Math.round(out.now() - started) };
    printResult(out, result, () => {
      const commit = run?.commit
        ? ` (commit ${shortSha(run.commit)} on ${run.workspace?.branch ?? "its branch"})`
        : "";
      return [
        `task ${taskId} ${task.state} in ${seconds(result.elapsedMs)}${task.stateReason ? `: ${task.stateReason}` : ""}${commit}`,
        ...(run?.finalMessage ? [run.finalMessage] : []),
        ...(WAITING_TASK_STATES.has(task.state) ? [reviewHint(taskId)] : [])
      ].join("\n");
    });
    return GOOD_TASK_STATES.has(task.state) ? ExitCode.ok : ExitCode.workFailed;
  } finally {
    progress.clear();
    socket?.close();
  }
}

function progressDetail(task: TaskView): string {
  if (task.runCount === 0) return "";
  const round = task.round !== undefined && task.round > 1 ? `, round ${task.round}` : "";
  return ` (run ${task.runCount}${round} · failed attempts ${task.attemptsSpent} of ${task.maxAttempts})`;
}
