import type { Logger } from "pino";
import { helpText } from "@baa/config-sources";
import {
  resolveStatusApiConfig,
  STATUS_API_SOURCES,
  StatusApiConfigError,
  type StatusApiConfig
} from "./config.js";
import { StatusApiRuntime } from "./runtime.js";
import { runInForeground, type SignalSource } from "@baa/lifecycle";
import { createServiceLogger } from "@baa/logging";

interface Writer {
  write(chunk: string): unknown;
}

export interface StatusApiCliOptions {
  /** Full process argv: `[node, script, command, ...flags]`. */
  argv: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  stdout?: Writer;
  stderr?: Writer;
  signals?: SignalSource;
  logger?: Logger;
  onStarted?: (runtime: StatusApiRuntime) => void;
}

// Generated from the table of sources, so every flag and env-only variable is listed.
const usage = (): string => `usage: status-api <command> [flags]

commands:
  start    run status-api in the foreground until SIGTERM/SIGINT
  config   print the resolved configuration as JSON (token redacted)
  help     print this text

flags (each with its environment variable; flags win over variables, variables over defaults):
${helpText(STATUS_API_SOURCES)}
The conductor's token comes from BAA_SHARED_TOKEN or the conductor's token file, never a flag.
`;

/** How long a stop may take: status-api only closes its streams and its server. */
const SHUTDOWN_DEADLINE_MS = 5_000;

/** Runs one CLI command and resolves its exit code: 0 success, 1 runtime failure, 2 usage or config error. */
export async function runStatusApiCli(options: StatusApiCliOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const [command, ...flags] = options.argv.slice(2);
  if (command === "help" || command === "--help" || command === "-h") {
    stdout.write(usage());
    return 0;
  }
  if (command !== "start" && command !== "config") {
    stderr.write(
      command === undefined ? usage() : `unknown command ${JSON.stringify(command)}\n\n${usage()}`
    );
    return 2;
  }
  let config: StatusApiConfig;
  try {
    config = resolveStatusApiConfig({ argv: flags, env: options.env ?? {} });
  } catch (error) {
    if (!(error instanceof StatusApiConfigError)) throw error;
    stderr.write(`${error.message}\n`);
    return 2;
  }
  if (command === "config") {
    stdout.write(
      `${JSON.stringify({ ...config, sharedToken: config.sharedToken === undefined ? undefined : "[redacted]" }, null, 2)}\n`
    );
    return 0;
  }
  const logger =
    options.logger ??
    createServiceLogger({ service: "status-api", destination: stdout, level: config.logLevel });
  return runInForeground({
    name: "status-api",
    create: () => new StatusApiRuntime(config, { logger }),
    signals: options.signals ?? process,
    logger,
    deadlineMs: SHUTDOWN_DEADLINE_MS,
    ...(options.onStarted === undefined ? {} : { onStarted: options.onStarted })
  });
}
