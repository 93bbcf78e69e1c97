import type { ControlStore, RunRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import {
  currentLeading,
  decideAfterAttempt,
  leaseTiming,
  type AttemptOutcome,
  type Leading,
  type LeaseTiming,
  type NodeRole
} from "./lease-policy.js";
import { RenewalLoop } from "./renewal-loop.js";

/** The one lease scope of today: every node of a deployment schedules from one queue. */
export const SCHEDULER_SCOPE = "scheduler";

/** Who leads as far as this node knows; what the scheduler asks before every claim. */
export interface Leadership {
  /** This node's holder id and term while it leads, else null. Checks the clock on each call. */
  current(): { holder: string; term: number } | null;
}

export type LeaseKeeperStore = Pick<
  ControlStore,
  "acquireLease" | "releaseLease" | "getLease" | "now" | "abandonStaleRuns" | "listRunningRuns"
>;

export interface LeaseKeeperOptions {
  store: LeaseKeeperStore;
  nodeId: string;
  role: NodeRole;
  ttlMs: number;
  timers: ClockTimers;
  logger: Logger;
  scope?: string;
  /**
   * Stops a turn a run of this node left behind (a previous process, or an earlier term):
   * codexd is this node's, so the turn may still be going. Failures are logged, not fatal.
   */
  interruptTurn?: (run: RunRecord) => Promise<void>;
}

export interface LeaseView {
  role: "leader" | "standby";
  nodeId: string;
  /** This node's term while it leads; else the last term it saw (0 when none). */
  term: number;
  /** Local deadline of this node's leadership (ISO), null when standby. */
  validUntil: string | null;
}

type ChangeListener = (leading: { holder: string; term: number } | null) => void;

/**
 * Keeps this node's claim on the scheduler lease: acquire or renew every third of the TTL,
 * step down at once when another node holds it and at the local deadline when renewals fail.
 * A new term first ends the runs older terms left behind (fencing makes their writes miss).
 */
export class LeaseKeeper implements Leadership {
  readonly timing: LeaseTiming;
  readonly scope: string;
  readonly #options: LeaseKeeperOptions;
  readonly #logger: Logger;
  #leading: Leading | null = null;
  #lastTerm = 0;
  #lastSeen: { holder: string | null; term: number; expiresAt: string | null } | null = null;
  readonly #loop: RenewalLoop;
  #cleanupTimer: unknown;
  #ownTermTaken = false;
  /** The end of older terms' runs after a takeover; runs beside the renewals, never before them. */
  #cleanup: Promise<void> | undefined;
  /** A term whose stale runs are still to be ended; claims wait for it. */
  #cleanupPending: number | null = null;
  readonly #listeners = new Set<ChangeListener>();

  constructor(options: LeaseKeeperOptions) {
    this.#options = options;
    this.scope = options.scope ?? SCHEDULER_SCOPE;
    this.timing = leaseTiming(options.ttlMs, options.role);
    this.#logger = options.logger.child({ component: "lease" });
    this.#loop = new RenewalLoop({
      timers: options.timers,
      attempt: () => this.attempt(),
      // The store bounds its own calls; this bounds the loop should a call hang anyway. A slow
      // renewal may still land: stepping down at the deadline does not wait on it.
      attemptTimeoutMs: this.timing.ttlMs - this.timing.marginMs,
      what: "lease attempt",
      retryMs: this.timing.renewEveryMs,
      onFailed: (error) => this.#logger.error({ err: error }, "lease loop failed; retrying")
    });
  }

  current(): { holder: string; term: number } | null {
    const leading = currentLeading(this.#leading, this.#options.timers.now());
    if (leading === null || this.#cleanupPending === leading.term) return null;
    return { holder: this.#options.nodeId, term: leading.term };
  }

  view(): LeaseView {
    const leading = currentLeading(this.#leading, this.#options.timers.now());
    return {
      role: leading === null ? "standby" : "leader",
      nodeId: this.#options.nodeId,
      term: leading?.term ?? this.#lastTerm,
      validUntil:
        leading === null
          ? null
          : new Date(
              this.#options.timers.wallNow() + (leading.validUntil - this.#options.timers.now())
            ).toISOString()
    };
  }

  /** The lease row as last read from the store (any holder); null before the first read. */
  lastSeen(): { holder: string | null; term: number; expiresAt: string | null } | null {
    return this.#lastSeen;
  }

  /** Called with the new leadership whenever it starts or ends (not on renewals). */
  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  start(): void {
    this.#loop.start();
  }

  /** Resolves once the current attempt is over; releases the lease when held. */
  async stop(): Promise<void> {
    const attemptOver = this.#loop.stop();
    if (this.#cleanupTimer !== undefined) this.#options.timers.clearTimeout(this.#cleanupTimer);
    this.#cleanupTimer = undefined;
    await attemptOver;
    await this.#cleanup;
    const leading = this.#leading;
    this.#setLeading(null, "stopped");
    if (leading !== null) {
      try {
        const released = await this.#options.store.releaseLease({
          scope: this.scope,
          holder: this.#options.nodeId,
          term: leading.term
        });
        this.#logger.info({ term: leading.term, released }, "lease released");
      } catch (error) {
        this.#logger.warn({ err: error, term: leading.term }, "lease release failed; it expires on its own");
      }
    }
  }

  /** Runs one attempt now (tests; the loop calls it on its own). */
  async attempt(): Promise<void> {
    const { nodeId, timers } = this.#options;
    const sentAt = timers.now();
    let outcome: AttemptOutcome;
    try {
      outcome = await this.#loop.bound(this.#tryAcquire(sentAt));
    } catch (error) {
      this.#logger.warn({ err: error }, "lease attempt failed");
      outcome = { kind: "error" };
    }
    const tookMs = timers.now() - sentAt;
    if (tookMs > this.timing.renewEveryMs / 2)
      this.#logger.warn({ tookMs, outcome: outcome.kind }, "slow lease attempt");
    const decision = decideAfterAttempt(this.timing, this.#leading, outcome, timers.now());
    if (outcome.kind === "held") this.#lastTerm = outcome.term;
    switch (decision.change) {
      case "acquired":
        this.#logger.info({ term: decision.leading.term, holder: nodeId }, "lease acquired: leading");
        // Claims wait for the takeover's cleanup (current() is null until it is done), which is
        // not awaited here: a slow codexd or store must not hold up the next renewal.
        this.#cleanupPending = decision.leading.term;
        this.#setLeading(decision.leading, "acquired");
        this.#cleanup = this.#takeOver(decision.leading.term);
        break;
      case "renewed":
        this.#leading = decision.leading;
        break;
      case "lost":
        this.#logger.warn({ term: this.#leading?.term }, "lease taken by another node: stepping down");
        this.#setLeading(null, "lost");
        break;
      case "expired":
        this.#setLeading(null, "expired");
        break;
      case "none":
        this.#leading = decision.leading;
        break;
    }
    this.#armDeadline();
    this.#loop.scheduleNext(decision.waitMs);
  }

  async #tryAcquire(sentAt: number): Promise<AttemptOutcome> {
    const { store, nodeId } = this.#options;
    // A standby leaves an expired lease to the primary for a while before it takes it.
    if (this.#leading === null && this.timing.takeoverDelayMs > 0) {
      const lease = await store.getLease(this.scope);
      this.#lastSeen = lease;
      if (lease !== null && lease.holder !== null && lease.holder !== nodeId && lease.expiresAt !== null) {
        const dbNow = (await store.now()).getTime();
        const remainingMs = Date.parse(lease.expiresAt) - dbNow;
        if (remainingMs + this.timing.takeoverDelayMs > 0) return { kind: "taken", remainingMs };
      }
    }
    // This process's first lease takes a new term even from a lease still in our name (a previous
    // process of this node): the runs that process began are then ended by abandonStaleRuns
    // instead of being left `running` with nobody to finish them. Later, a lease nobody took
    // from us while we had stepped down keeps its term: our runs under it are still ours and
    // still executing here, and another holder in between would have raised the term anyway.
    const held = await store.acquireLease({
      scope: this.scope,
      holder: nodeId,
      ttlMs: this.timing.ttlMs,
      newTerm: !this.#ownTermTaken
    });
    if (held !== null) {
      this.#ownTermTaken = true;
      this.#lastSeen = { holder: held.holder, term: held.term, expiresAt: held.expiresAt };
      return { kind: "held", term: held.term, sentAt };
    }
    const lease = await store.getLease(this.scope);
    this.#lastSeen = lease;
    if (lease?.expiresAt == null) return { kind: "taken", remainingMs: null };
    this.#lastTerm = lease.term;
    return { kind: "taken", remainingMs: Date.parse(lease.expiresAt) - (await store.now()).getTime() };
  }

  async #takeOver(term: number): Promise<void> {
    const { store, nodeId } = this.#options;
    this.#cleanupPending = term;
    try {
      if (this.#options.interruptTurn !== undefined) {
        // A run under its own lease (every node claims, PostgreSQL) is no older term's: its
        // node's heartbeat keeps it, whoever leads, so a takeover leaves it alone.
        const ours = (await store.listRunningRuns()).filter(
          (run) =>
            run.owner === nodeId &&
            (run.leaseExpiresAt ?? null) === null &&
            run.term < term &&
            run.turnId !== null
        );
        for (const run of ours) {
          try {
            await this.#options.interruptTurn(run);
            this.#logger.info(
              { runId: run.runId, turnId: run.turnId, term: run.term },
              "interrupted a turn an older term left running"
            );
          } catch (error) {
            this.#logger.warn(
              { err: error, runId: run.runId, turnId: run.turnId },
              "could not interrupt a turn an older term left running"
            );
          }
        }
      }
      const abandoned = await store.abandonStaleRuns({ scope: this.scope, holder: nodeId, term });
      if (abandoned.length > 0) {
        this.#logger.info(
          {
            term,
            runs: abandoned.map((run) => ({
              runId: run.runId,
              taskId: run.taskId,
              owner: run.owner,
              term: run.term
            }))
          },
          "abandoned runs of older terms; their tasks are queued again"
        );
      }
      if (this.#cleanupPending === term) this.#cleanupPending = null;
    } catch (error) {
      // Claims stay off until a later attempt manages the cleanup.
      this.#logger.warn({ err: error, term }, "could not end the runs of older terms; not claiming yet");
      this.#retryCleanup(term);
    }
  }

  #retryCleanup(term: number): void {
    this.#cleanupTimer = this.#options.timers.setTimeout(() => {
      this.#cleanupTimer = undefined;
      if (!this.#loop.running || this.#leading?.term !== term || this.#cleanupPending !== term) return;
      this.#cleanup = this.#takeOver(term);
    }, this.timing.renewEveryMs);
  }

  // Listeners hear every start of a leadership (a new term too) and every end, not renewals.
  #setLeading(leading: Leading | null, why: "acquired" | "lost" | "expired" | "stopped"): void {
    const wasLeading = this.#leading !== null;
    this.#leading = leading;
    if (leading === null) this.#cleanupPending = null;
    if (leading === null && !wasLeading) return;
    const now = leading === null ? null : { holder: this.#options.nodeId, term: leading.term };
    for (const listener of this.#listeners) {
      try {
        listener(now);
      } catch (error) {
        this.#logger.error({ err: error, why }, "leadership listener failed");
      }
    }
  }

  // Steps down at the local deadline even when an attempt hangs past it.
  #armDeadline(): void {
    const leading = this.#leading;
    this.#loop.armDeadline(leading?.validUntil ?? null, () => {
      if (leading !== null && this.#leading === leading) {
        this.#logger.warn({ term: leading.term }, "lease not renewed before its deadline: stepping down");
        this.#setLeading(null, "expired");
      }
    });
  }
}
