import type { Command, CommandContext } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult, table } from "../output.js";
import { intFlag, stringFlag } from "./flag-values.js";
import { addTask } from "./task-create.js";
import { followTask } from "./task-follow.js";
import { diffTask, discardTask, landTask, reviseTask } from "./task-review.js";
import { describeTask, type RunView, type TaskView } from "./task-views.js";

const ACTIONS = "add, list, show, cancel, retry, diff, revise, land or discard";

/** `baa tasks …`: the conductor's task queue, and the review of what a task produced. */
export const tasksCommand: Command = {
  name: "tasks",
  usage: [
    "tasks add PROMPT|list|show ID|cancel ID|retry ID   the task queue (add/retry/revise: --follow)",
    "  tasks diff ID [--stat] [--path P]       what the task's branch changed",
    "  tasks revise ID -m TEXT                 send it back with a comment (same thread)",
    "  tasks land ID [--method M] [--target B] [--push REMOTE [--pr]]   merge it, or push it",
    "  tasks land ID --queue [--method M] [--target B]   join the merge queue (checked on the tip)",
    "  tasks discard ID [--reason R]           end it; its branch is kept"
  ].join("\n"),
  flags: {
    title: { type: "string" },
    cwd: { type: "string" },
    scratch: { type: "boolean" },
    model: { type: "string" },
    priority: { type: "string" },
    "max-attempts": { type: "string" },
    "task-timeout-ms": { type: "string" },
    "depends-on": { type: "string", multiple: true },
    "not-before": { type: "string" },
    "approval-policy": { type: "string" },
    sandbox: { type: "string" },
    workspace: { type: "string" },
    review: { type: "string" },
    "idempotency-key": { type: "string" },
    state: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
    reason: { type: "string" },
    follow: { type: "boolean", short: "f" },
    stat: { type: "boolean" },
    path: { type: "string" },
    message: { type: "string", short: "m" },
    method: { type: "string" },
    target: { type: "string" },
    push: { type: "string" },
    queue: { type: "boolean" },
    pr: { type: "boolean" },
    "pr-title": { type: "string" },
    "pr-body": { type: "string" },
    draft: { type: "boolean" }
  },
  arity: [1, 2],
  async run(context) {
    const [action, arg] = context.args as [string, string | undefined];
    const needArg = (what: string) => {
      if (arg === undefined) throw new CliError(ExitCode.usage, `tasks ${action} needs ${what}`);
      return arg;
    };
    switch (action) {
      case "add":
        return addTask(context, needArg("a prompt"));
      case "list":
        if (arg !== undefined)
          throw new CliError(ExitCode.usage, "tasks list takes no id (filter with --state)");
        return listTasks(context);
      case "show":
        return showTask(context, needArg("a task id"));
      case "cancel":
        return cancelTask(context, needArg("a task id"));
      case "retry":
        return retryTask(context, needArg("a task id"));
      case "diff":
        return diffTask(context, needArg("a task id"));
      case "revise":
        return reviseTask(context, needArg("a task id"));
      case "land":
        return landTask(context, needArg("a task id"));
      case "discard":
        return discardTask(context, needArg("a task id"));
      default:
        throw new CliError(ExitCode.usage, `unknown tasks action ${JSON.stringify(action)}: ${ACTIONS}`);
    }
  }
};

async function listTasks({ client, flags, out }: CommandContext): Promise<number> {
  const page = await client.get<{ tasks: TaskView[]; nextCursor: string | null }>("/v1/tasks", {
    state: stringFlag(flags, "state"),
    limit: intFlag(flags, "limit"),
    cursor: stringFlag(flags, "cursor")
  });
  printResult(out, page, () => {
    if (page.tasks.length === 0) return "no tasks";
    const rows = page.tasks.map((t) => [t.taskId, t.state, String(t.priority), String(t.runCount), t.title]);
    const more = page.nextCursor ? `\nmore: baa tasks list --cursor ${page.nextCursor}` : "";
    return `${table(["TASK", "STATE", "PRIO", "RUNS", "TITLE"], rows)}${more}`;
  });
  return ExitCode.ok;
}

async function showTask({ client, out }: CommandContext, taskId: string): Promise<number> {
  const id = encodeURIComponent(taskId);
  const { task } = await client.get<{ task: TaskView }>(`/v1/tasks/${id}`);
  const { runs } = await client.get<{ runs: RunView[] }>(`/v1/tasks/${id}/runs`);
  printResult(out, { task, runs }, () => describeTask(task, runs));
  return ExitCode.ok;
}

async function cancelTask({ client, flags, out }: CommandContext, taskId: string): Promise<number> {
  const reason = stringFlag(flags, "reason");
  const data = await client.post<{ task: TaskView; outcome: string }>(
    `/v1/tasks/${encodeURIComponent(taskId)}/cancel`,
    reason === undefined ? {} : { reason }
  );
  printResult(
    out,
    data,
    () =>
      `task ${data.task.taskId} ${data.outcome === "cancelled" ? "cancelled" : "cancel requested (its run is being stopped)"}`
  );
  return ExitCode.ok;
}

async function retryTask(context: CommandContext, taskId: string): Promise<number> {
  const { task } = await context.client.post<{ task: TaskView }>(
    `/v1/tasks/${encodeURIComponent(taskId)}/retry`,
    {}
  );
  if (context.flags.follow === true) return followTask(context, task.taskId);
  printResult(context.out, { task }, () => `task ${task.taskId} ${task.state}`);
  return ExitCode.ok;
}
