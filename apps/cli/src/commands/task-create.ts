import { resolve } from "node:path";
import type { CommandContext } from "../command.js";
import type { ConductorClient } from "../conductor-client.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult } from "../output.js";
import type { SystemState } from "./status.js";
import { choiceFlag, intFlag, stringFlag } from "./flag-values.js";
import { followTask } from "./task-follow.js";
import type { TaskView } from "./task-views.js";

const REVIEW_POLICIES = ["required", "none", "auto_land"] as const;
const RESUME = "baa system resume";

/**
 * The body of `POST /v1/tasks`. The task works where `baa` was run unless `--cwd` says
 * otherwise (relative to that directory) or `--scratch` asks for a scratch dir of its own.
 */
export function createBody(
  flags: CommandContext["flags"],
  prompt: string,
  cwd: string
): Record<string, unknown> {
  const body: Record<string, unknown> = { title: stringFlag(flags, "title") ?? titleFrom(prompt), prompt };
  const named = stringFlag(flags, "cwd");
  if (flags.scratch === true && named !== undefined)
    throw new CliError(ExitCode.usage, "--scratch and --cwd exclude each other");
  if (flags.scratch !== true) body.cwd = resolve(cwd, named ?? ".");
  for (const [flag, key] of [
    ["model", "model"],
    ["not-before", "notBefore"],
    ["approval-policy", "approvalPolicy"],
    ["sandbox", "sandbox"],
    ["workspace", "workspace"]
  ] as const) {
    const value = stringFlag(flags, flag);
    if (value !== undefined) body[key] = value;
  }
  for (const [flag, key] of [
    ["priority", "priority"],
    ["max-attempts", "maxAttempts"],
    ["task-timeout-ms", "timeoutMs"]
  ] as const) {
    const value = intFlag(flags, flag);
    if (value !== undefined) body[key] = value;
  }
  const review = choiceFlag(flags, "review", REVIEW_POLICIES);
  if (review !== undefined) body.review = review;
  if (Array.isArray(flags["depends-on"])) body.dependsOn = flags["depends-on"];
  return body;
}

/** `baa tasks add PROMPT [...]`: queues a task; says so when it will wait on the system's mode. */
export async function addTask(context: CommandContext, prompt: string): Promise<number> {
  const { client, flags, out } = context;
  const body = createBody(flags, prompt, context.cwd);
  const key = stringFlag(flags, "idempotency-key");
  const created = await client.post<{ task: TaskView; created: boolean; notice?: unknown }>(
    "/v1/tasks",
    body,
    key === undefined ? {} : { "idempotency-key": key }
  );
  const { task } = created;
  const notice =
    task.state === "queued" || task.state === "blocked" ? await waitNotice(client, created.notice) : null;
  if (flags.follow === true) {
    if (!out.json)
      out.stderr.write(
        `task ${task.taskId} ${created.created ? "queued" : "already exists"}\n${notice === null ? "" : `${notice}\n`}`
      );
    return followTask(context, task.taskId);
  }
  if (notice !== null && !out.json) out.stderr.write(`${notice}\n`);
  printResult(
    out,
    { task, created: created.created, ...(notice === null ? {} : { notice }) },
    () => task.taskId
  );
  return ExitCode.ok;
}

/**
 * Why a new task will not start yet, or null: the create answer's `notice` when the conductor
 * sends one, else read from the system's mode (paused, draining, a usage-limit pause).
 */
export async function waitNotice(client: ConductorClient, fromAnswer: unknown): Promise<string | null> {
  const given =
    typeof fromAnswer === "string"
      ? fromAnswer
      : typeof (fromAnswer as { message?: unknown } | null)?.message === "string"
        ? (fromAnswer as { message: string }).message
        : "";
  // The conductor speaks of its API; a person at the shell wants the command.
  if (given !== "") return given.includes(RESUME) ? given : `${given}; to resume: ${RESUME}`;
  let system: SystemState;
  try {
    system = await client.get<SystemState>("/v1/system/state");
  } catch (error) {
    // The task is queued either way; a failed read of the mode only costs the hint.
    return `(could not read the system mode: ${error instanceof CliError ? error.message : String(error)})`;
  }
  const why = system.reason ? ` (${system.reason})` : "";
  if (system.mode === "paused") return `the system is paused${why}: the task waits until ${RESUME}`;
  if (system.mode === "draining") return `the system is draining${why}: the task waits until ${RESUME}`;
  if (system.quota)
    return `claiming is paused until ${system.quota.pausedUntil}${system.quota.reason ? ` (${system.quota.reason})` : ""}: the task waits until then`;
  return null;
}

function titleFrom(prompt: string): string {
  const line = prompt.trim().split("\n")[0] ?? prompt;
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}
