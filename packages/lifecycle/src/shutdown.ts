import { backgroundTimers, type Timers } from "@baa/clock";

/** The signals a service stops on. */
export type TerminationSignal = "SIGTERM" | "SIGINT";

/** Where termination signals come from; `process` in production. */
export interface SignalSource {
  on(signal: TerminationSignal, listener: (signal: TerminationSignal) => void): unknown;
  removeListener(signal: TerminationSignal, listener: (signal: TerminationSignal) => void): unknown;
}

/** What the shutdown says; a pino logger fits. */
export interface ShutdownLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface ShutdownOptions {
  signals: SignalSource;
  /** Stops the service: refuse new work, drain, stop children, close stores. */
  stop: () => Promise<void>;
  logger: ShutdownLogger;
  /** How long `stop` may take before the process gives up on it (exit code 1). */
  deadlineMs: number;
  /** The deadline's timer; default `backgroundTimers`: it alone must not keep a finished process alive. */
  timers?: Timers;
}

/**
 * Resolves with an exit code once SIGTERM or SIGINT arrived and `stop` has run: 0 when it
 * finished within `deadlineMs`; 1 on a missed deadline, a failed stop or a second signal. The
 * listeners are removed when it resolves.
 *
 * One Ctrl-C is one signal only if the service is alone in its process group: a launcher that
 * also forwards the signal (scripts/start-node.mjs) starts its children in their own groups.
 */
export function waitForShutdown(options: ShutdownOptions): Promise<number> {
  const { signals, logger, deadlineMs } = options;
  const timers = options.timers ?? backgroundTimers;
  return new Promise((resolve) => {
    let stopping = false;
    let finished = false;
    let deadline: unknown;
    const finish = (code: number) => {
      if (finished) return;
      finished = true;
      if (deadline !== undefined) timers.clearTimeout(deadline);
      signals.removeListener("SIGTERM", onSignal);
      signals.removeListener("SIGINT", onSignal);
      resolve(code);
    };
    const onSignal = (signal: TerminationSignal) => {
      if (stopping) {
        logger.warn({ signal }, "second signal: exiting at once");
        finish(1);
        return;
      }
      stopping = true;
      logger.info({ signal, deadlineMs }, "signal received: stopping");
      deadline = timers.setTimeout(() => {
        logger.error({ deadlineMs }, "shutdown deadline passed");
        finish(1);
      }, deadlineMs);
      options.stop().then(
        () => finish(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          finish(1);
        }
      );
    };
    signals.on("SIGTERM", onSignal);
    signals.on("SIGINT", onSignal);
  });
}
