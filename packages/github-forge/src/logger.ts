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
 * Octokit's `log` option. Only the message string is kept, scrubbed: octokit passes extra
 * arguments, and plugin-request-log's `debug("request", options)` hands over the request,
 * headers included, so octokit's debug is dropped. Per-request lines (info) become debug; warnings
 * and request failures become warn, since the caller logs the resulting ForgeError itself.
 */
export function octokitLog(logger: ForgeLogger, token: string) {
  const line = (level: "debug" | "warn") => (message: unknown) => {
    logger[level]({ source: "octokit", detail: scrubSecret(String(message), token) }, "octokit said");
  };
  return { debug: () => {}, info: line("debug"), warn: line("warn"), error: line("warn") };
}
