import type { Timers } from "@baa/clock";

/** Thrown when `withDeadline` gives up on a promise. */
export class DeadlineError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} did not finish within ${ms} ms`);
    this.name = "DeadlineError";
  }
}

/** Settles like `promise`, or rejects with a DeadlineError after `ms` on the given timers. */
export function withDeadline<T>(timers: Timers, promise: Promise<T>, ms: number, what: string): Promise<T> {
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
