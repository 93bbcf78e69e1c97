import type { Logger } from "pino";

type TerminationSignal = "SIGTERM" | "SIGINT";

/** Where termination signals come from; `process` in production. */
export interface SignalSource {
  on(signal: TerminationSignal, listener: (signal: TerminationSignal) => void): unknown;
  removeListener(signal: TerminationSignal, listener: (signal: TerminationSignal) => void): unknown;
}

/**
 * Resolves with an exit code once SIGTERM or SIGINT arrives and `stop` has run: 0 when it
 * finished before `deadlineMs`; 1 on a missed deadline, a failure or a second signal.
 */
export function waitForShutdown(options: { signals: SignalSource; stop: () => Promise<void>; logger: Logger; deadlineMs?: number }): Promise<number> {
  const { signals, logger } = options;
  const deadlineMs = options.deadlineMs ?? 5_000;
  return new Promise((resolve) => {
    let stopping = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (code: number) => {
      if (timer !== undefined) clearTimeout(timer);
      signals.removeListener("SIGTERM", onSignal);
      signals.removeListener("SIGINT", onSignal);
      resolve(code);
    };
    const onSignal = (signal: TerminationSignal) => {
      if (stopping) {
        logger.warn({ signal }, "second signal, exiting now");
        finish(1);
        return;
      }
      stopping = true;
      logger.info({ signal, deadlineMs }, "shutting down");
      timer = setTimeout(() => {
        logger.error({ deadlineMs }, "shutdown deadline missed");
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
