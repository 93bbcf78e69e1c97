import { backoffDelayMs } from "@baa/backoff";

/** How long a failed task waits before its next attempt. */
export interface RetryPolicy {
  /** Wait after the first failure; doubles with each further one. */
  baseMs: number;
  /** Upper bound of the wait. */
  maxMs: number;
}

/**
 * The wait before attempt `failures + 1`: `baseMs * 2^(failures-1)`, capped at `maxMs`.
 * Pure; no jitter, because claims already spread over the poll interval.
 * @example retryDelayMs({ baseMs: 1000, maxMs: 60000 }, 3) === 4000
 */
export function retryDelayMs(policy: RetryPolicy, failures: number): number {
  return backoffDelayMs({ ...policy, jitter: "none" }, Math.min(31, Math.trunc(failures)));
}
