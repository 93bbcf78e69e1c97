import { readJsonFile } from "@baa/state-files";
import { isProcessAlive } from "./state/process-alive.js";
import { helpText } from "@baa/config-sources";
import {
  CODEXD_SOURCES,
  ConfigError,
  parseCodexdFlags,
  resolveCodexdConfig,
  type CodexdConfig
} from "./config.js";
import { runInForeground, type SignalSource, type TerminationSignal } from "@baa/lifecycle";
import { createServiceLogger } from "@baa/logging";
import { CodexdLocalService } from "./service.js";
import type { Spawner } from "./child/spawner.js";

interface Writer {
  write(chunk: string): unknown;
}

export interface CodexdCliOptions {
  argv: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  processLike?: {
    argv?: readonly string[];
    env?: Readonly<Record<string, string | undefined>>;
    pid?: number;
    on?(signal: TerminationSignal, listener: (signal: TerminationSignal) => void): unknown;
    removeListener?(signal: TerminationSignal, listener: (signal: TerminationSignal) => void): unknown;
  };
  stdout?: Writer;
  stderr?: Writer;
  /** How `start` spawns the child (main.js passes one holding a child it started early). */
  spawner?: Spawner;
}

// Generated from the table of sources, so every flag and env-only variable is listed.
const usage = (): string => `usage: codexd <start|status|config> [flags]
  start              run codexd in the foreground
  status [--json]    read codexd's state files (works while codexd is down)
  config             print the resolved configuration

flags (each with its environment variable; flags win over variables, variables over defaults):
${helpText(CODEXD_SOURCES)}`;

/** codexd's command line; `argv` is a full process argv (`node codexd <command> ...`). Resolves to an exit code. */
export async function runCodexdCli(options: CodexdCliOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const env = options.env ?? options.processLike?.env ?? process.env;
  const [command, ...rest] = options.argv.slice(2);
  let config: CodexdConfig;
  let json = false;
  try {
    if (command === undefined || command === "help" || command === "--help") {
      stdout.write(usage());
      return command === undefined ? 2 : 0;
    }
    json = parseCodexdFlags(rest).json;
    config = resolveCodexdConfig({ argv: rest, env });
  } catch (error) {
    stderr.write(`codexd: ${error instanceof ConfigError ? error.message : (error as Error).message}\n`);
    return 2;
  }
  switch (command) {
    case "config":
      stdout.write(`${JSON.stringify(config, null, 2)}\n`);
      return 0;
    case "status":
      return printStatus(config, json, stdout);
    case "start":
      return runForeground(config, env, options.processLike ?? process, stderr, options.spawner);
    default:
      stderr.write(`codexd: unknown command ${JSON.stringify(command)}\n${usage()}`);
      return 2;
  }
}

/** Reads the state files only, so it answers while codexd is down too. */
export function readCodexdStateFiles(config: CodexdConfig) {
  const paths = config.paths;
  const daemon = readJsonFile<Record<string, unknown> | null>(paths.daemonStatePath, null);
  const recent = readJsonFile<{ events?: { seq: number }[] }>(paths.recentEventsPath, {});
  const pid = typeof daemon?.pid === "number" ? daemon.pid : null;
  return {
    daemon,
    processAlive: pid !== null && isProcessAlive(pid),
    identity: readJsonFile(paths.identityPath, null),
    sessionRegistry: readJsonFile(paths.sessionRegistryPath, { sessions: [] as unknown[] }),
    recentEvents: { count: recent.events?.length ?? 0, lastSeq: recent.events?.at(-1)?.seq ?? 0 },
    runRegistry: readJsonFile(paths.runRegistryPath, { runs: [] as unknown[] }),
    paths: { stateDir: paths.stateRootDir, logsDir: paths.logsRootDir }
  };
}

function printStatus(config: CodexdConfig, json: boolean, stdout: Writer): number {
  let status: ReturnType<typeof readCodexdStateFiles>;
  try {
    status = readCodexdStateFiles(config);
  } catch (error) {
    stdout.write(`codexd: cannot read state files: ${(error as Error).message}\n`);
    return 1;
  }
  if (json) {
    stdout.write(`${JSON.stringify(status, null, 2)}\n`);
    return 0;
  }
  const daemon = status.daemon as {
    started?: boolean;
    child?: { status?: string; pid?: number | null };
  } | null;
  const sessions = (status.sessionRegistry as { sessions: { status?: string }[] }).sessions;
  stdout.write(
    [
      `codexd (${config.nodeId}) state: ${config.paths.stateRootDir}`,
      `  daemon:   ${daemon === null ? "never started" : daemon.started ? "started" : "stopped"}${status.processAlive ? "" : " (process not running)"}`,
      `  child:    ${daemon?.child?.status ?? "unknown"}${daemon?.child?.pid ? ` pid ${daemon.child.pid}` : ""}`,
      `  sessions: ${sessions.length} (${sessions.filter((s) => s.status === "active").length} active)`,
      `  events:   last seq ${status.recentEvents.lastSeq}`,
      ""
    ].join("\n")
  );
  return 0;
}

async function runForeground(
  config: CodexdConfig,
  env: Readonly<Record<string, string | undefined>>,
  processLike: NonNullable<CodexdCliOptions["processLike"]>,
  stderr: Writer,
  spawner?: Spawner
): Promise<number> {
  const logger = createServiceLogger({ service: "codexd", level: config.logLevel });
  const signals: SignalSource = {
    on: (signal, listener) => processLike.on?.(signal, listener),
    removeListener: (signal, listener) => processLike.removeListener?.(signal, listener)
  };
  return runInForeground({
    name: "codexd",
    create: () =>
      new CodexdLocalService(config, { env, logger, ...(spawner === undefined ? {} : { spawner }) }),
    signals,
    logger,
    deadlineMs: SHUTDOWN_DEADLINE_MS,
    onStartFailed: (error) => stderr.write(`codexd: failed to start: ${(error as Error).message}\n`)
  });
}

/** How long a graceful stop may take (drain, stop the child, flush the state files). */
const SHUTDOWN_DEADLINE_MS = 15_000;
