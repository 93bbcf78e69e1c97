import type { Logger } from "pino";
import { helpText } from "@baa/config-sources";
import {
  CONDUCTOR_SOURCES,
  ConductorConfigError,
  resolveConductorConfig,
  type ConductorConfig
} from "./config.js";
import { createConductorLogger } from "./logger.js";
import { ConductorRuntime } from "./runtime.js";
import { runInForeground, type SignalSource } from "@baa/lifecycle";

interface Writer {
  write(chunk: string): unknown;
}

export interface ConductorCliOptions {
  /** Full process argv: `[node, script, command, ...flags]`. */
  argv: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: Writer;
  stderr?: Writer;
  /** Termination signals for `start`; defaults to `process`. */
  signals?: SignalSource;
  /** Replaces the logger `start` would create on stdout. */
  logger?: Logger;
  /** Called once `start` is listening (tests use it to find the port). */
  onStarted?: (runtime: ConductorRuntime) => void;
}

// Generated from the table of sources, so every flag and env-only variable is listed.
const usage = (): string => `usage: conductor-daemon <command> [flags]

commands:
  start    run the conductor in the foreground until SIGTERM/SIGINT
  config   print the resolved configuration as JSON (token and database password redacted)
  help     print this text

flags (each with its environment variable; flags win over variables, variables over defaults):
${helpText(CONDUCTOR_SOURCES)}
Secrets and the PostgreSQL URL come from the environment only (no BAA_DATABASE_URL: SQLite in
the state dir); BAA_GITHUB_REPOS holds JSON, or --github-config names a file holding it.
`;

/**
 * Runs one CLI command and resolves its exit code: 0 success, 1 runtime failure, 2 usage or
 * configuration error.
 */
export async function runConductorCli(options: ConductorCliOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const [command, ...flags] = options.argv.slice(2);

  if (command === "help" || command === "--help" || command === "-h") {
    stdout.write(usage());
    return 0;
  }
  if (command === undefined) {
    stderr.write(usage());
    return 2;
  }
  if (command !== "start" && command !== "config") {
    stderr.write(`unknown command ${JSON.stringify(command)}\n\n${usage()}`);
    return 2;
  }

  let config: ConductorConfig;
  try {
    config = resolveConductorConfig({ argv: flags, env: options.env ?? {} });
  } catch (error) {
    if (!(error instanceof ConductorConfigError)) throw error;
    stderr.write(`${error.message}\n`);
    return 2;
  }

  if (command === "config") {
    const shown = {
      ...config,
      sharedToken: config.sharedToken === undefined ? undefined : "[redacted]",
      githubToken: config.githubToken === undefined ? undefined : "[redacted]",
      githubWebhookSecret: config.githubWebhookSecret === undefined ? undefined : "[redacted]",
      notifySecret: config.notifySecret === undefined ? undefined : "[redacted]",
      databaseUrl: config.databaseUrl === undefined ? undefined : redactUrlPassword(config.databaseUrl)
    };
    stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return 0;
  }

  const logger = options.logger ?? createConductorLogger({ destination: stdout, level: config.logLevel });
  return runInForeground({
    name: "conductor",
    create: () => new ConductorRuntime(config, { logger }),
    signals: options.signals ?? process,
    logger,
    deadlineMs: SHUTDOWN_DEADLINE_MS,
    ...(options.onStarted === undefined ? {} : { onStarted: options.onStarted })
  });
}

/** How long a graceful stop may take (drain, stop the loops, release the lease, close the store). */
const SHUTDOWN_DEADLINE_MS = 10_000;

// postgres://user:secret@host/db -> postgres://user:[redacted]@host/db
function redactUrlPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === "") return text;
    return `${url.protocol}//${url.username}:[redacted]@${url.host}${url.pathname}${url.search}`;
  } catch {
    return "[redacted]";
  }
}
