/** What GitHub said about the rate limit on the last answer (null: it did not say). */
export interface RateLimitView {
  remaining: number | null;
  /** ISO time when the limit resets. */
  resetAt: string | null;
}

/** Reads `x-ratelimit-remaining` and `x-ratelimit-reset` (epoch seconds). */
export function rateLimitOf(headers: Record<string, unknown>): RateLimitView {
  const remaining = Number(headers["x-ratelimit-remaining"]);
  const reset = Number(headers["x-ratelimit-reset"]);
  return {
    remaining: headers["x-ratelimit-remaining"] === undefined || Number.isNaN(remaining) ? null : remaining,
    resetAt:
      headers["x-ratelimit-reset"] === undefined || Number.isNaN(reset)
        ? null
        : new Date(reset * 1000).toISOString()
  };
}
