import { helpText, parseFlags } from "@baa/config-sources";
import type { Command } from "./command.js";
import { approvalsCommand, approveCommand, declineCommand } from "./commands/approvals.js";
import { eventsCommand } from "./commands/events.js";
import { logsCommand } from "./commands/logs.js";
import { sessionsCommand } from "./commands/sessions.js";
import { statusCommand } from "./commands/status.js";
import { drainCommand, pauseCommand, resumeCommand, systemCommand } from "./commands/system.js";
import { tasksCommand } from "./commands/tasks.js";
import { queuesCommand } from "./commands/queues.js";
import { nodesCommand } from "./commands/nodes.js";
import { schedulesCommand } from "./commands/schedules.js";
import { turnCommand } from "./commands/turn.js";
import { ConductorClient } from "./conductor-client.js";
import { CLI_SOURCES, GLOBAL_FLAGS, resolveCliConfig } from "./config.js";
import { CliError, ExitCode } from "./exit-codes.js";
import type { Writer } from "./output.js";

const COMMANDS: readonly Command[] = [
  statusCommand,
  sessionsCommand,
  turnCommand,
  tasksCommand,
  queuesCommand,
  schedulesCommand,
  approvalsCommand,
  approveCommand,
  declineCommand,
  pauseCommand,
  resumeCommand,
  drainCommand,
  systemCommand,
  nodesCommand,
  eventsCommand,
  logsCommand
];

export const USAGE = `usage: baa <command> [args] [flags]

commands:
${COMMANDS.map((c) => `  ${c.usage}`).join("\n")}

flags for every command:
${helpText(CLI_SOURCES)}
exit codes: 0 ok, 1 the followed turn or task ended badly, 2 usage, 3 conductor unreachable,
            4 refused by the conductor (4xx), 5 conductor or codexd failed (5xx). See docs/runtime/cli.md.
`;

export interface CliOptions {
  /** Words after `baa`. */
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  stdout: Writer;
  stderr: Writer;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** The directory `baa` runs in; default process.cwd(). */
  cwd?: string;
  /** Resolves when the user interrupts (Ctrl-C); main.ts wires SIGINT/SIGTERM. */
  interrupted?: Promise<void>;
}

/** Runs one `baa` command and resolves its exit code; never throws. */
export async function runCli(options: CliOptions): Promise<number> {
  const { stdout, stderr } = options;
  const [first, second] = options.argv;
  if (first === undefined || first === "help" || first === "--help" || first === "-h") {
    (first === undefined ? stderr : stdout).write(USAGE);
    return first === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (command === undefined) {
    stderr.write(`unknown command ${JSON.stringify(first)}\n\n${USAGE}`);
    return ExitCode.usage;
  }
  let json = options.argv.includes("--json");
  try {
    const specs = { ...GLOBAL_FLAGS, ...command.flags };
    const parsed = parseFlags(options.argv.slice(1), specs, { positionals: true });
    if (parsed.problems.length > 0) throw new CliError(ExitCode.usage, parsed.problems.join("; "));
    if (parsed.values.help === true) {
      stdout.write(`usage: baa ${command.usage}\n`);
      return ExitCode.ok;
    }
    const [min, max] = command.arity;
    if (parsed.positionals.length < min || parsed.positionals.length > max) {
      throw new CliError(ExitCode.usage, `usage: baa ${command.usage}`);
    }
    const config = resolveCliConfig({
      flags: parsed.values,
      env: options.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd })
    });
    json = config.json;
    return await command.run({
      args: parsed.positionals,
      flags: parsed.values,
      client: new ConductorClient(config),
      cwd: config.cwd,
      out: { stdout, stderr, json, now: options.now ?? (() => performance.now()) },
      sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
      interrupted: options.interrupted ?? new Promise<void>(() => {})
    });
  } catch (error) {
    const failure =
      error instanceof CliError
        ? error
        : new CliError(
            ExitCode.serverError,
            `unexpected failure: ${(error as Error)?.message ?? String(error)}`
          );
    if (json)
      stderr.write(
        `${JSON.stringify({ ok: false, error: { code: failure.code ?? exitName(failure.exitCode), message: failure.message, exitCode: failure.exitCode } })}\n`
      );
    else
      stderr.write(`baa ${second === undefined || first === second ? first : first}: ${failure.message}\n`);
    return failure.exitCode;
  }
}

function exitName(code: number): string {
  return Object.entries(ExitCode).find(([, value]) => value === code)?.[0] ?? "error";
}
