/**
 * The lease keeper's decisions, pure: given what the last attempt to acquire or renew the
 * lease gave, say whether this node leads, until when it may act as leader, and when to try
 * again. The caller owns the clock, the timers and the store.
 */

export type NodeRole = "primary" | "standby";

export interface LeaseTiming {
  ttlMs: number;
  /** A leader renews this often: a third of the TTL. */
  renewEveryMs: number;
  /**
   * A leader stops acting this long before its lease would expire: timers fire late and the
   * database stamps the expiry after the request left, so the local deadline errs early.
   */
  marginMs: number;
  /** How long a standby lets an expired lease lie before taking it; a primary waits 0. */
  takeoverDelayMs: number;
  /** Shortest wait between attempts (a busy loop on a broken store helps nobody). */
  minWaitMs: number;
}

export function leaseTiming(ttlMs: number, role: NodeRole): LeaseTiming {
  const renewEveryMs = Math.max(1, Math.floor(ttlMs / 3));
  return {
    ttlMs,
    renewEveryMs,
    marginMs: Math.max(1, Math.floor(ttlMs / 6)),
    // Long enough for a live primary (which tries the moment the lease expires) to win, short
    // enough that a standby alone still takes over about one TTL after the leader's last renewal.
    takeoverDelayMs: role === "primary" ? 0 : Math.max(50, Math.floor(ttlMs / 10)),
    minWaitMs: Math.max(1, Math.min(50, Math.floor(ttlMs / 30)))
  };
}

/** This node leads under `term` and may act as leader until `validUntil` (local clock, ms). */
export interface Leading {
  term: number;
  validUntil: number;
}

export type AttemptOutcome =
  /** The store gave us the lease (new or renewed); `sentAt` is when the request left. */
  | { kind: "held"; term: number; sentAt: number }
  /** Another node holds it; `remainingMs` by the database's clock, null when unknown. */
  | { kind: "taken"; remainingMs: number | null }
  /** The store failed or did not answer in time. */
  | { kind: "error" };

export type LeaseChange = "acquired" | "renewed" | "lost" | "expired" | "none";

/** After "acquired" and "renewed" this node leads; the other changes may leave it leading or not. */
export type LeaseDecision = (
  | { change: "acquired" | "renewed"; leading: Leading }
  | { change: "lost" | "expired" | "none"; leading: Leading | null }
) & {
  /** Wait this long before the next attempt. */
  waitMs: number;
};

/**
 * What follows an attempt. A leader whose renewal failed keeps leading only until its local
 * deadline; one that learns another holds the lease steps down at once.
 */
export function decideAfterAttempt(
  timing: LeaseTiming,
  before: Leading | null,
  outcome: AttemptOutcome,
  now: number
): LeaseDecision {
  const stillValid = before !== null && now < before.validUntil ? before : null;
  switch (outcome.kind) {
    case "held": {
      const leading = { term: outcome.term, validUntil: outcome.sentAt + timing.ttlMs - timing.marginMs };
      const change = stillValid !== null && stillValid.term === outcome.term ? "renewed" : "acquired";
      // The next renewal is due a third of the TTL after this one was sent, not after it came
      // back: a slow store must not eat into the time left before the deadline.
      return {
        leading,
        change,
        waitMs: Math.max(timing.minWaitMs, outcome.sentAt + timing.renewEveryMs - now)
      };
    }
    case "taken": {
      // Poll at the renew rate at most, so a released lease is seen soon; otherwise come back
      // when it expires (plus the standby's courtesy delay).
      const untilFree =
        outcome.remainingMs === null
          ? timing.renewEveryMs
          : Math.max(0, outcome.remainingMs) + timing.takeoverDelayMs;
      return {
        leading: null,
        change: before !== null ? "lost" : "none",
        waitMs: Math.max(timing.minWaitMs, Math.min(timing.renewEveryMs, untilFree))
      };
    }
    case "error": {
      if (stillValid !== null) {
        // Retry soon, but never later than the deadline: the step-down must not wait on a retry.
        const retry = Math.max(
          timing.minWaitMs,
          Math.min(Math.floor(timing.renewEveryMs / 2), stillValid.validUntil - now)
        );
        return { leading: stillValid, change: "none", waitMs: retry };
      }
      return {
        leading: null,
        change: before !== null ? "expired" : "none",
        waitMs: Math.max(timing.minWaitMs, Math.floor(timing.renewEveryMs / 2))
      };
    }
  }
}

/** The leadership as of `now`: a lease past its local deadline is not led, whatever the timers did. */
export function currentLeading(leading: Leading | null, now: number): Leading | null {
  return leading !== null && now < leading.validUntil ? leading : null;
}
