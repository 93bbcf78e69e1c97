import type { DestinationStream, LevelWithSilent, Logger } from "pino";
import { createServiceLogger, createSilentLogger, REDACTED_PATHS } from "@baa/logging";

export { createSilentLogger, REDACTED_PATHS };

/**
 * The one logger of the process: JSON lines on `destination` (stdout by default), tokens and
 * authorization headers censored (the shared list of `@baa/logging`).
 */
export function createConductorLogger(
  options: {
    destination?: DestinationStream | { write(chunk: string): unknown };
    level?: LevelWithSilent;
  } = {}
): Logger {
  return createServiceLogger({ service: "conductor-daemon", ...options });
}
