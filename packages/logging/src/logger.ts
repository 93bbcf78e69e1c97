import { pino, type DestinationStream, type LevelWithSilent, type Logger } from "pino";

/**
 * Paths pino censors wherever they appear in a log object: bearer tokens, authorization and
 * cookie headers, and environments (which hold tokens and keys).
 */
export const REDACTED_PATHS: readonly string[] = Object.freeze([
  "authorization",
  "cookie",
  "token",
  "sharedToken",
  "env",
  "headers.authorization",
  "headers.cookie",
  "req.headers.authorization",
  "req.headers.cookie",
  "config.sharedToken",
  "githubToken",
  "config.githubToken",
  "notifySecret",
  "config.notifySecret",
  "*.githubToken",
  "*.authorization",
  "*.token",
  "*.sharedToken",
  "*.env"
]);

export interface ServiceLoggerOptions {
  /** Put on every line as `service`. */
  service: string;
  level?: LevelWithSilent | string;
  /** Default stdout: launchd/systemd keep it. */
  destination?: DestinationStream | { write(chunk: string): unknown };
}

/** A service's one logger: JSON lines, `service` on each, secrets censored, errors under `err`. */
export function createServiceLogger(options: ServiceLoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: options.service },
      redact: { paths: [...REDACTED_PATHS], censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err }
    },
    (options.destination ?? process.stdout) as DestinationStream
  );
}

/** A logger that drops everything; the default for embedded services and tests. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
