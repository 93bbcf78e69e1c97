import { isAbsolute, resolve } from "node:path";
import type { Command, CommandContext } from "../command.js";
import type { EventSocket } from "../conductor-client.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { ProgressLine, printResult, seconds, table, type EventLike } from "../output.js";

/** The parts of the conductor's task and run records `baa` shows (see @baa/control-store). */
export interface TaskView {
  taskId: string;
  title: string;
  prompt: string;
  state: string;
  stateReason: string | null;
  priority: number;
  maxAttempts: number;
  attemptsSpent: number;
  runCount: number;
  cwd: string | null;
  dependsOn: string[];
  lastRunId: string | null;
  createdAt: string;
  endedAt: string | null;
}

export interface RunView {
  runId: string;
  attempt: number;
  state: string;
  reason: string | null;
  owner: string;
  sessionId: string | null;
  turnId: string | null;
  finalMessage: string | null;
  workspace: { kind: string; path: string; branch: string | null } | null;
  startedAt: string;
  endedAt: string | null;
}

const ENDED = new Set(["succeeded", "failed", "cancelled", "timed_out"]);
const POLL_MS = 500;

const int = (flags: CommandContext["flags"], name: string): number | undefined => {
  const value = flags[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^-?\d+$/.test(value)) throw new CliError(ExitCode.usage, `--${name} must be a whole number`);
  return Number(value);
};
const str = (flags: CommandContext["flags"], name: string): string | undefined => (typeof flags[name] === "string" ? (flags[name] as string) : undefined);

/** `baa tasks add|list|show|cancel|retry`: the conductor's task queue. */
export const tasksCommand: Command = {
  name: "tasks",
  usage: "tasks add PROMPT|list|show ID|cancel ID|retry ID   the task queue (add/retry: --follow)",
  flags: {
    title: { type: "string" },
    cwd: { type: "string" },
    model: { type: "string" },
    priority: { type: "string" },
    "max-attempts": { type: "string" },
    "task-timeout-ms": { type: "string" },
    "depends-on": { type: "string", multiple: true },
    "not-before": { type: "string" },
    "approval-policy": { type: "string" },
    sandbox: { type: "string" },
    workspace: { type: "string" },
    "idempotency-key": { type: "string" },
    state: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
    reason: { type: "string" },
    follow: { type: "boolean", short: "f" }
  },
  arity: [1, 2],
  async run(context) {
    const { args, flags, client, out } = context;
    const [action, arg] = args as [string, string | undefined];
    const needArg = (what: string) => {
      if (arg === undefined) throw new CliError(ExitCode.usage, `tasks ${action} needs ${what}`);
      return arg;
    };
    if (action === "add") {
      const prompt = needArg("a prompt");
      const body: Record<string, unknown> = { title: str(flags, "title") ?? titleFrom(prompt), prompt };
      const cwd = str(flags, "cwd");
      if (cwd !== undefined) body.cwd = isAbsolute(cwd) ? cwd : resolve(cwd);
      for (const [flag, key] of [["model", "model"], ["not-before", "notBefore"], ["approval-policy", "approvalPolicy"], ["sandbox", "sandbox"], ["workspace", "workspace"]] as const) {
        if (str(flags, flag) !== undefined) body[key] = str(flags, flag);
      }
      for (const [flag, key] of [["priority", "priority"], ["max-attempts", "maxAttempts"], ["task-timeout-ms", "timeoutMs"]] as const) {
        if (int(flags, flag) !== undefined) body[key] = int(flags, flag);
      }
      if (Array.isArray(flags["depends-on"])) body.dependsOn = flags["depends-on"];
      const key = str(flags, "idempotency-key");
      const { task, created } = await client.post<{ task: TaskView; created: boolean }>("/v1/tasks", body, key === undefined ? {} : { "idempotency-key": key });
      if (flags.follow === true) {
        if (!out.json) out.stderr.write(`task ${task.taskId} ${created ? "queued" : "already exists"}\n`);
        return followTask(context, task.taskId);
      }
      printResult(out, { task, created }, () => task.taskId);
      return ExitCode.ok;
    }
    if (action === "list") {
      if (arg !== undefined) throw new CliError(ExitCode.usage, "tasks list takes no id (filter with --state)");
      const page = await client.get<{ tasks: TaskView[]; nextCursor: string | null }>("/v1/tasks", {
        state: str(flags, "state"),
        limit: int(flags, "limit"),
        cursor: str(flags, "cursor")
      });
      printResult(out, page, () => {
        if (page.tasks.length === 0) return "no tasks";
        const rows = page.tasks.map((t) => [t.taskId, t.state, String(t.priority), `${t.runCount}/${t.maxAttempts}`, t.title]);
        const more = page.nextCursor ? `\nmore: baa tasks list --cursor ${page.nextCursor}` : "";
        return `${table(["TASK", "STATE", "PRIO", "RUNS", "TITLE"], rows)}${more}`;
      });
      return ExitCode.ok;
    }
    if (action === "show") {
      const id = encodeURIComponent(needArg("a task id"));
      const { task } = await client.get<{ task: TaskView }>(`/v1/tasks/${id}`);
      const { runs } = await client.get<{ runs: RunView[] }>(`/v1/tasks/${id}/runs`);
      printResult(out, { task, runs }, () => describeTask(task, runs));
      return ExitCode.ok;
    }
    if (action === "cancel") {
      const id = encodeURIComponent(needArg("a task id"));
      const reason = str(flags, "reason");
      const data = await client.post<{ task: TaskView; outcome: string }>(`/v1/tasks/${id}/cancel`, reason === undefined ? {} : { reason });
      printResult(out, data, () => `task ${data.task.taskId} ${data.outcome === "cancelled" ? "cancelled" : "cancel requested (its run is being stopped)"}`);
      return ExitCode.ok;
    }
    if (action === "retry") {
      const id = needArg("a task id");
      const { task } = await client.post<{ task: TaskView }>(`/v1/tasks/${encodeURIComponent(id)}/retry`, {});
      if (flags.follow === true) return followTask(context, task.taskId);
      printResult(out, { task }, () => `task ${task.taskId} ${task.state}`);
      return ExitCode.ok;
    }
    throw new CliError(ExitCode.usage, `unknown tasks action ${JSON.stringify(action)}: add, list, show, cancel or retry`);
  }
};

function titleFrom(prompt: string): string {
  const line = prompt.trim().split("\n")[0] ?? prompt;
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/**
 * Follows a task to its end: its events live (replayed from the start), a progress line, then
 * the outcome and the last run's final message. Exit 0 only when it succeeded.
 */
async function followTask({ client, out, sleep }: CommandContext, taskId: string): Promise<number> {
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
        const approval = (event.data as { approval?: { approvalId?: string; kind?: string } } | undefined)?.approval;
        progress.note(`task ${taskId} waits for approval ${approval?.approvalId} (${approval?.kind}): baa approve ${approval?.approvalId}`);
      }
      wake();
    });
  } catch (error) {
    progress.note(`live events unavailable (${error instanceof CliError ? error.message : String(error)}); following by polling`);
  }
  try {
    let task: TaskView;
    for (;;) {
      ({ task } = await client.get<{ task: TaskView }>(`/v1/tasks/${id}`));
      if (ENDED.has(task.state)) break;
      const attempt = task.runCount > 0 ? ` (run ${task.runCount} of max ${task.maxAttempts})` : "";
      progress.update(`task ${taskId} ${task.state}${attempt} · ${events} events`, seconds(out.now() - started));
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(POLL_MS)]);
    }
    const run = task.lastRunId === null ? null : (await client.get<{ run: RunView }>(`/v1/runs/${encodeURIComponent(task.lastRunId)}`)).run;
    progress.clear();
    const result = { task, run, events, elapsedMs: Math.round(out.now() - started) };
    printResult(out, result, () =>
      [
        `task ${taskId} ${task.state} in ${seconds(result.elapsedMs)}${task.stateReason ? `: ${task.stateReason}` : ""}`,
        ...(run?.finalMessage ? [run.finalMessage] : [])
      ].join("\n")
    );
    return task.state === "succeeded" ? ExitCode.ok : ExitCode.workFailed;
  } finally {
    progress.clear();
    socket?.close();
  }
}

export function describeTask(task: TaskView, runs: readonly RunView[]): string {
  const lines = [
    `task ${task.taskId}: ${task.title}`,
    `state ${task.state}${task.stateReason ? ` (${task.stateReason})` : ""}  priority ${task.priority}  attempts spent ${task.attemptsSpent}/${task.maxAttempts}`,
    `created ${task.createdAt}${task.endedAt ? `  ended ${task.endedAt}` : ""}${task.cwd ? `  cwd ${task.cwd}` : ""}`
  ];
  if (task.dependsOn.length > 0) lines.push(`depends on ${task.dependsOn.join(", ")}`);
  if (runs.length > 0) {
    lines.push(
      table(
        ["RUN", "ATTEMPT", "STATE", "OWNER", "SESSION", "REASON"],
        runs.map((r) => [r.runId, String(r.attempt), r.state, r.owner, r.sessionId ?? "-", r.reason ?? ""])
      )
    );
    const last = runs.at(-1);
    if (last?.finalMessage) lines.push(`final message: ${last.finalMessage}`);
  }
  return lines.join("\n");
}
