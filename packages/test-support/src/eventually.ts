import { setTimeout as sleep } from "node:timers/promises";
import { inspect } from "node:util";

export interface EventuallyOptions<T = unknown> {
  /** How long to keep trying; generous, because it only matters when something is wrong (default 60 s). */
  timeoutMs?: number;
  /** A fixed pause between reads; without it the pause starts at 10 ms and grows to 100 ms. */
  intervalMs?: number;
  /** Counts a value only when this says so; the last refused value is in the timeout's message. */
  accept?: (value: T) => boolean;
}

/** What `read` may answer: a value, or null / undefined / false for "not yet". */
export type Reading<T> = T | null | undefined | false;

/**
 * Calls `read` until it answers a value (anything but null, undefined or false) and returns it.
 * A throw counts as "not yet". When `timeoutMs` passes it fails with an error naming `what` and the
 * last answer or error, so a stuck test says what it was waiting for and what it saw instead.
 * The growing pause keeps a long wait from loading the services it waits on.
 */
export async function eventually<T>(
  read: () => Reading<T> | Promise<Reading<T>>,
  what: string,
  options: EventuallyOptions<T> = {}
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = performance.now() + timeoutMs;
  let pauseMs = options.intervalMs ?? 10;
  let last = "no read finished";
  for (;;) {
    try {
      const value = await read();
      const present = value !== null && value !== undefined && value !== false;
      if (present && (options.accept === undefined || options.accept(value))) return value;
      last = `last answer: ${inspect(value)}`;
    } catch (error) {
      last = `last error: ${error instanceof Error ? error.message : inspect(error)}`;
    }
    if (performance.now() >= deadline) break;
    await sleep(pauseMs);
    if (options.intervalMs === undefined) pauseMs = Math.min(100, Math.round(pauseMs * 1.5));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${last})`);
}
