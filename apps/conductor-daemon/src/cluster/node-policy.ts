/**
 * The node keeper's decisions, pure: given how the last heartbeat went, say until when this
 * node may claim and act on its runs, and when to beat again. The caller owns the clock, the
 * timers and the store (the same split as leadership/lease-policy.ts).
 */

export interface NodeTiming {
  /** The run lease (BAA_RUN_LEASE_TTL_MS); the node row expires after it too. */
  ttlMs: number;
  /** A node beats this often: a third of the TTL. */
  beatEveryMs: number;
  /**
   * The node stops acting this long before its leases would expire: the database stamps the
   * expiry after the beat left and timers fire late, so the local deadline errs early.
   */
  marginMs: number;
  /** Shortest wait between attempts. */
  minWaitMs: number;
}

export function nodeTiming(ttlMs: number): NodeTiming {
  return {
    ttlMs,
    beatEveryMs: Math.max(1, Math.floor(ttlMs / 3)),
    marginMs: Math.max(1, Math.floor(ttlMs / 6)),
    minWaitMs: Math.max(1, Math.min(50, Math.floor(ttlMs / 30)))
  };
}

export type BeatOutcome =
  /** The store wrote the beat; `sentAt` is when it left; `draining` is the row's flag. */
  | { kind: "ok"; sentAt: number; draining: boolean; renewed: number }
  /** The store failed or did not answer in time. */
  | { kind: "error" };

/** Until when (local clock, ms) this node's row and run leases are surely current; null: not known to be. */
export type Liveness = number | null;

/**
 * `lapsed`: the beat landed, but only after the previous deadline passed (the process froze, the
 * store was away): the runs of before are the sweep's now, even though the node is live again.
 */
export type LivenessChange = "live" | "renewed" | "lapsed" | "lost" | "none";

export interface BeatDecision {
  liveUntil: Liveness;
  change: LivenessChange;
  waitMs: number;
}

/**
 * What follows a beat. A failed beat keeps the node live only until its local deadline (the
 * last good beat's send time + ttl − margin), and the retry comes no later than that deadline.
 */
export function decideAfterBeat(
  timing: NodeTiming,
  before: Liveness,
  outcome: BeatOutcome,
  now: number
): BeatDecision {
  const still = before !== null && now < before ? before : null;
  if (outcome.kind === "ok") {
    const liveUntil = outcome.sentAt + timing.ttlMs - timing.marginMs;
    // Due a third of the TTL after the beat left, not after it came back.
    return {
      liveUntil,
      change: still !== null ? "renewed" : before !== null ? "lapsed" : "live",
      waitMs: Math.max(timing.minWaitMs, outcome.sentAt + timing.beatEveryMs - now)
    };
  }
  if (still !== null) {
    const retry = Math.max(timing.minWaitMs, Math.min(Math.floor(timing.beatEveryMs / 2), still - now));
    return { liveUntil: still, change: "none", waitMs: retry };
  }
  return {
    liveUntil: null,
    change: before !== null ? "lost" : "none",
    waitMs: Math.max(timing.minWaitMs, Math.floor(timing.beatEveryMs / 2))
  };
}

/** Whether the node is live at `now`, whatever the timers did. */
export function isLive(liveUntil: Liveness, now: number): boolean {
  return liveUntil !== null && now < liveUntil;
}

/** A node claims only while live, executing and not drained. */
export function mayClaim(
  state: { liveUntil: Liveness; executes: boolean; draining: boolean },
  now: number
): boolean {
  return state.executes && !state.draining && isLive(state.liveUntil, now);
}
