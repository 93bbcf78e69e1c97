import { pino, type Logger, type DestinationStream, type LevelWithSilent } from "pino";

/** Paths pino censors wherever they appear in a log object. */
export const REDACTED_PATHS = [
  "authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
  "sharedToken",
  "token",
  "*.sharedToken",
  "*.token",
  "config.sharedToken",
  "env"
];

/**
 * The one logger of the process: JSON lines on `destination` (stdout by default), tokens and
 * authorization headers censored.
 */
export function createConductorLogger(
  options: { destination?: DestinationStream | { write(chunk: string): unknown }; level?: LevelWithSilent } = {}
): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { service: "conductor-daemon" },
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      serializers: { err: pino.stdSerializers.err }
    },
    (options.destination ?? process.stdout) as DestinationStream
  );
}

/** A logger that drops everything; the default for embedded runtimes and tests. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" });
}
