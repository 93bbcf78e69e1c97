import { backoffDelayMs, type BackoffPolicy } from "@baa/backoff";
import type { NotificationAttempt } from "@baa/control-store";

/** How an HTTP attempt went, as the sender saw it. */
export type SendResult = { kind: "status"; status: number } | { kind: "error"; message: string };

/**
 * Pure: a 2xx is delivered; anything else (another status, a timeout, a refused connection) is
 * tried again after the backoff for `attempts`, unless that would be past `giveUpAt`: then it
 * fails for good.
 */
export function decideAttempt(
  result: SendResult,
  attempts: number,
  giveUpAt: string,
  nowMs: number,
  policy: BackoffPolicy,
  random: () => number = Math.random
): NotificationAttempt {
  if (result.kind === "status" && result.status >= 200 && result.status < 300)
    return { kind: "delivered", status: result.status };
  const status = result.kind === "status" ? result.status : null;
  const error = result.kind === "status" ? `HTTP ${result.status}` : result.message;
  const next = nowMs + backoffDelayMs(policy, attempts, random);
  if (next > Date.parse(giveUpAt))
    return { kind: "failed", status, error: `${error} (gave up after ${attempts} attempts)` };
  return { kind: "retry", status, error, nextAttemptAt: new Date(next).toISOString() };
}
