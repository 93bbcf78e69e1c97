import type { CommandContext } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult } from "../output.js";
import { diffHeading, diffStat, type DiffView } from "./diff-stat.js";
import { choiceFlag, stringFlag } from "./flag-values.js";
import { followTask } from "./task-follow.js";
import { landingLines, type TaskView } from "./task-views.js";

const LAND_METHODS = ["merge", "squash", "rebase"] as const;

/**
 * `baa tasks diff ID [--stat] [--path P]`: the task's branch against its base. The patch alone
 * goes to stdout (so it can be piped to `git apply`); notes about it go to stderr.
 */
export async function diffTask({ client, flags, out }: CommandContext, taskId: string): Promise<number> {
  const diff = await client.get<DiffView>(`/v1/tasks/${encodeURIComponent(taskId)}/diff`, {
    path: stringFlag(flags, "path")
  });
  if (out.json) {
    printResult(out, diff, () => "");
    return ExitCode.ok;
  }
  if (flags.stat === true) {
    printResult(out, diff, () => [diffHeading(diff), diffStat(diff.files)].join("\n"));
    return ExitCode.ok;
  }
  if (diff.patch === "") out.stderr.write(`no changes: ${diffHeading(diff)}\n`);
  else out.stdout.write(diff.patch.endsWith("\n") ? diff.patch : `${diff.patch}\n`);
  if (diff.truncated)
    out.stderr.write(
      `the patch is cut at the conductor's size limit; one file at a time: baa tasks diff ${taskId} --path P\n`
    );
  return ExitCode.ok;
}

/** `baa tasks revise ID -m TEXT [--follow]`: the comment becomes the next turn on the task's thread. */
export async function reviseTask(context: CommandContext, taskId: string): Promise<number> {
  const { client, flags, out } = context;
  const comment = stringFlag(flags, "message");
  if (comment === undefined || comment.trim() === "")
    throw new CliError(ExitCode.usage, "tasks revise needs a comment: -m TEXT (or --message TEXT)");
  const { task } = await client.post<{ task: TaskView }>(`/v1/tasks/${encodeURIComponent(taskId)}/revise`, {
    comment
  });
  if (flags.follow === true) {
    if (!out.json) out.stderr.write(`task ${task.taskId} ${task.state} for round ${task.round ?? "?"}\n`);
    return followTask(context, task.taskId);
  }
  printResult(
    out,
    { task },
    () =>
      `task ${task.taskId} ${task.state} for round ${task.round ?? "?"}: follow it with baa tasks show ${task.taskId}`
  );
  return ExitCode.ok;
}

/** The body of `POST /v1/tasks/:id/land` from the flags; a pull request needs a push. */
export function landBody(flags: CommandContext["flags"]): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (flags.queue === true) {
    if (flags.push !== undefined || flags.pr === true || flags.draft === true)
      throw new CliError(ExitCode.usage, "--queue lands locally; it does not take --push or --pr");
    body.queue = true;
  }
  const method = choiceFlag(flags, "method", LAND_METHODS);
  if (method !== undefined) body.method = method;
  const target = stringFlag(flags, "target");
  if (target !== undefined) body.target = target;
  const push = stringFlag(flags, "push");
  if (push !== undefined) body.push = push;
  const title = stringFlag(flags, "pr-title");
  const prBody = stringFlag(flags, "pr-body");
  const wantsPr = flags.pr === true || flags.draft === true || title !== undefined || prBody !== undefined;
  if (wantsPr) {
    if (push === undefined)
      throw new CliError(ExitCode.usage, "a pull request needs the branch pushed: add --push REMOTE");
    body.pullRequest = {
      ...(title === undefined ? {} : { title }),
      ...(prBody === undefined ? {} : { body: prBody }),
      ...(flags.draft === true ? { draft: true } : {})
    };
  }
  return body;
}

/** `baa tasks land ID [--queue] [--method M] [--target B] [--push REMOTE [--pr …]]`. */
export async function landTask({ client, flags, out }: CommandContext, taskId: string): Promise<number> {
  const body = landBody(flags);
  const { task } = await client.post<{ task: TaskView }>(
    `/v1/tasks/${encodeURIComponent(taskId)}/land`,
    body
  );
  const queued = task.landQueue;
  if (body.queue === true && queued) {
    printResult(
      out,
      { task },
      () => `task ${task.taskId} queued to land on ${queued.target} by ${queued.method}; see baa queues`
    );
    return ExitCode.ok;
  }
  printResult(out, { task }, () => {
    const where = landingLines(task);
    return where.length === 0
      ? `task ${task.taskId} ${task.state}`
      : `task ${task.taskId} ${task.state}\n${where.join("\n")}`;
  });
  return ExitCode.ok;
}

/** `baa tasks discard ID [--reason R]`: ends the task; its branch stays for whoever wants it. */
export async function discardTask({ client, flags, out }: CommandContext, taskId: string): Promise<number> {
  const reason = stringFlag(flags, "reason");
  const { task } = await client.post<{ task: TaskView }>(
    `/v1/tasks/${encodeURIComponent(taskId)}/discard`,
    reason === undefined ? {} : { reason }
  );
  printResult(out, { task }, () => {
    const kept = task.baseBranch ? `; its branch baa/${task.taskId} is kept` : "";
    return `task ${task.taskId} ${task.state}${task.stateReason ? ` (${task.stateReason})` : ""}${kept}`;
  });
  return ExitCode.ok;
}
