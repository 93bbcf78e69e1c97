/** The clock and timers the background loops use; tests pass a fake one. */
export interface LoopTimers {
  /** Milliseconds on a clock that only moves forward (deadlines, waits). */
  now(): number;
  /** Milliseconds since the epoch (what is shown to people). */
  wallNow(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: LoopTimers = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A loop's pending timer alone must not keep the process alive after a stop.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout)
};

/** Thrown when `withDeadline` gives up on a promise. */
export class DeadlineError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/** Settles like `promise`, or rejects with a DeadlineError after `ms` on the given timers. */
export function withDeadline<T>(timers: LoopTimers, promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const handle = timers.setTimeout(() => reject(new DeadlineError(what, ms)), ms);
    promise.then(
      (value) => {
        timers.clearTimeout(handle);
        resolve(value);
      },
      (error: unknown) => {
        timers.clearTimeout(handle);
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    );
  });
}
