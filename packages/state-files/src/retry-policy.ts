import { backoffDelayMs } from "@baa/backoff";

/** How a failed state write is retried: doubling delays from `baseMs`, capped at `maxMs`. */
export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 250, maxMs: 30_000 };

/**
 * The wait before retry number `failures` (1 after the first failure). No jitter: each writer
 * retries its own file, there is no herd to spread.
 */
export function retryDelayMs(failures: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  return backoffDelayMs({ ...policy, jitter: "none" }, failures);
}
