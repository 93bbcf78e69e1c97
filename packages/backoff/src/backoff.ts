/** Exponential backoff: `baseMs` doubling per attempt, capped at `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /**
   * `none`: the ceiling itself. `full`: uniform in [0, ceiling) — many clients refused together
   * do not come back together. `half`: half fixed, half random — never instant, never in step.
   */
  jitter: "none" | "full" | "half";
}

/**
 * The delay before attempt `attempt` (1 for the first retry): `min(maxMs, baseMs * 2^(attempt-1))`,
 * jittered as the policy says. Pure: the caller owns the randomness (`random()` in [0, 1)) and
 * the timer.
 * @example backoffDelayMs({ baseMs: 1000, maxMs: 60000, jitter: "none" }, 3) === 4000
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  random: () => number = Math.random
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  switch (policy.jitter) {
    case "none":
      return ceiling;
    case "full":
      return Math.floor(r * ceiling);
    case "half":
      return Math.round(ceiling / 2 + r * (ceiling / 2));
  }
}
