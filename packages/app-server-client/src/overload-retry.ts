import { backoffDelayMs } from "@baa/backoff";

/** How requests answered with JSON-RPC -32001 ("server overloaded") are retried. */
export interface OverloadRetryOptions {
  /** Total attempts including the first one. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** 4 attempts, 100 ms base, 2 s cap. */
export const DEFAULT_OVERLOAD_RETRY: Readonly<OverloadRetryOptions> = Object.freeze({
  maxAttempts: 4,
  baseDelayMs: 100,
  maxDelayMs: 2000
});

/**
 * Delay before retry number `retry` (1 for the first retry): exponential backoff with full
 * jitter, a uniform pick in `[0, min(maxDelayMs, baseDelayMs * 2^(retry-1)))`. Full jitter keeps
 * many clients that were refused together from coming back together.
 */
export function overloadRetryDelayMs(
  retry: number,
  options: OverloadRetryOptions,
  random: () => number
): number {
  return backoffDelayMs(
    { baseMs: options.baseDelayMs, maxMs: options.maxDelayMs, jitter: "full" },
    retry,
    random
  );
}
