import type { ForgeError } from "@baa/github-forge";
import type { GitHubWait } from "./github-status.js";

/** The longest a failing GitHub is left alone before the next try. */
export const MAX_BACKOFF_MS = 15 * 60 * 1000;
/** A rate limit that names no time is waited this long. */
const RATE_LIMIT_FALLBACK_MS = 60_000;

/**
 * How long to leave GitHub alone after a failed call: a rate limit until the time GitHub names
 * (`Retry-After`, else the `x-ratelimit-reset` time, a second past it), anything else a backoff
 * doubling from `baseMs` per consecutive failure up to MAX_BACKOFF_MS.
 */
export function waitAfterFailure(
  error: ForgeError,
  options: { now: number; failures: number; baseMs: number }
): GitHubWait {
  const { now } = options;
  if (error.rateLimited) {
    const retryAfter = error.retryAfterSeconds === null ? null : now + error.retryAfterSeconds * 1000;
    const resetAt = error.rateLimit?.resetAt ?? null;
    const reset = resetAt === null ? null : Date.parse(resetAt) + 1_000;
    const until = retryAfter ?? (reset !== null && reset > now ? reset : now + RATE_LIMIT_FALLBACK_MS);
    return { reason: "rate_limited", until: new Date(until).toISOString(), message: error.message };
  }
  const backoff = Math.min(
    MAX_BACKOFF_MS,
    options.baseMs * 2 ** Math.min(20, Math.max(0, options.failures - 1))
  );
  const unavailable = error.status === null || error.status >= 500;
  return {
    reason: unavailable ? "unavailable" : "refused",
    until: new Date(now + backoff).toISOString(),
    message: error.message
  };
}
