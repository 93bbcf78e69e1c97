import { scrubSecret } from "./secret-scrub.js";

/** The part of a pino logger the forge uses: an object of fields, then a fixed message. */
export interface ForgeLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

const silent: ForgeLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function orSilent(logger: ForgeLogger | undefined): ForgeLogger {
  return logger ?? silent;
}

/**
 * Octokit's `log` option. Octokit passes extra arguments (plugin-request-log hands `debug` the
 * whole request options, headers included), so only the message string is kept, scrubbed.
 * Octokit's per-request lines are debug; its warnings and request failures are warn, because the
 * caller logs the resulting ForgeError itself.
 */
export function octokitLog(logger: ForgeLogger, token: string) {
  const line = (level: "debug" | "warn") => (message: unknown) => {
    logger[level]({ source: "octokit", detail: scrubSecret(String(message), token) }, "octokit said");
  };
  return { debug: line("debug"), info: line("debug"), warn: line("warn"), error: line("warn") };
}
