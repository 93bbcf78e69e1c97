import { backoffDelayMs } from "@baa/backoff";

/** How a crashed child is brought back: exponential backoff with jitter, and a crash-loop stop. */
export interface RestartPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** This many exits inside `windowMs` and codexd stops restarting until told to. */
  crashLoopLimit: number;
  windowMs: number;
}

export type RestartDecision =
  | { action: "restart"; delayMs: number; attempt: number }
  | { action: "give_up"; reason: string };

/**
 * Decides what follows an exit, given the times of the exits so far (this one included).
 * Pure: the caller owns the clock, the randomness and the timer.
 */
export function decideRestart(
  policy: RestartPolicy,
  exitTimes: readonly number[],
  now: number,
  random: () => number
): RestartDecision {
  const recent = exitTimes.filter((t) => now - t <= policy.windowMs);
  if (recent.length >= policy.crashLoopLimit) {
    return {
      action: "give_up",
      reason: `crash loop: codex app-server exited ${recent.length} times within ${Math.round(policy.windowMs / 1000)} s; not restarting until POST /v1/codexd/child/restart`
    };
  }
  const attempt = recent.length;
  // Half fixed, half jitter: never instant, never synchronized with a sibling.
  const delayMs = backoffDelayMs(
    { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: "half" },
    attempt,
    random
  );
  return { action: "restart", delayMs, attempt };
}
