import type { Timers } from "@baa/clock";
import { waitForShutdown, type ShutdownLogger, type SignalSource } from "./shutdown.js";

/** What `runInForeground` drives: started once, stopped once. */
export interface ForegroundService {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

export interface ForegroundOptions<S extends ForegroundService> {
  /** Names the service in the log line of a failed start: `"<name> failed to start"`. */
  name: string;
  /** Builds the service; a throw counts as a failed start. */
  create: () => S;
  signals: SignalSource;
  logger: ShutdownLogger;
  /** How long the stop after a signal may take (see waitForShutdown). */
  deadlineMs: number;
  timers?: Timers;
  /** Called once the service has started (tests find its port here). */
  onStarted?: (service: S) => void;
  /** Called with a failed start's error after it is logged (e.g. to echo it on stderr). */
  onStartFailed?: (error: unknown) => void;
}

/**
 * A service's `start` command: builds and starts it, then runs it until SIGTERM/SIGINT. Resolves
 * the exit code: 1 when it failed to start (what it had started is stopped first), else
 * waitForShutdown's.
 */
export async function runInForeground<S extends ForegroundService>(
  options: ForegroundOptions<S>
): Promise<number> {
  const { logger } = options;
  let service: S | undefined;
  try {
    service = options.create();
    await service.start();
  } catch (error) {
    logger.error({ err: error }, `${options.name} failed to start`);
    options.onStartFailed?.(error);
    await service
      ?.stop()
      .catch((stopError: unknown) => logger.warn({ err: stopError }, "stop after a failed start failed"));
    return 1;
  }
  const running = service;
  options.onStarted?.(running);
  return waitForShutdown({
    signals: options.signals,
    stop: () => running.stop(),
    logger,
    deadlineMs: options.deadlineMs,
    ...(options.timers === undefined ? {} : { timers: options.timers })
  });
}
