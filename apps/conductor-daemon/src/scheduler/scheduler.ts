import type { ClaimedRun, ClaimOptions, ControlStore } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";

/** Whether this node leads, and under which lease term. */
export interface SchedulerLeadership {
  current(): { holder: string; term: number } | null;
}

/** Whether the system lets anything be claimed now (mode `running`, no usage-limit pause). */
export interface SchedulerGate {
  mayClaim(): boolean;
}

/** One run being executed on this node. */
export interface RunHandle {
  /** Settles once the run has ended (its fenced write done or found stale). Never rejects. */
  readonly done: Promise<void>;
  /** Asks the run to stop: `cancel` for a user's cancel, `abandon` when the node stops. */
  stop(why: "cancel" | "abandon", reason: string): void;
}

export interface SchedulerOptions {
  store: Pick<ControlStore, "claimTasks">;
  scope: string;
  leadership: SchedulerLeadership;
  gate: SchedulerGate;
  /** Starts executing a claimed run; called once per claim. */
  execute(claim: ClaimedRun, lease: { holder: string; term: number }): RunHandle;
  /**
   * Called before the first claim under each lease term (a restart, a takeover), and again
   * every `recoverEveryMs`: ends this node's runs the store still shows `running` that nothing
   * here executes (a run whose end could not be written while the store was away, say).
   */
  onLead?(lease: { holder: string; term: number }, localRunIds: ReadonlySet<string>): Promise<void>;
  /** How often `onLead` runs again under the same term (default 30 s). */
  recoverEveryMs?: number;
  /**
   * A node's own claim (PostgreSQL, every node claims; `scope` is RUN_LEASE_SCOPE): each run's
   * lease and which tasks this node can run. Absent: the leader's claim (SQLite).
   */
  claim?: Pick<ClaimOptions, "runLeaseTtlMs" | "accepts">;
  /** At most this many runs at once on this node (BAA_MAX_CONCURRENT_TASKS). */
  maxConcurrent: number;
  /** How often to look for due work without being woken. */
  pollIntervalMs: number;
  timers: ClockTimers;
  logger: Logger;
}

/**
 * The claim loop: while this node leads and the gate is open, claims due tasks (the store
 * orders them by priority, then age) up to the free slots and hands each to `execute`. One
 * claim at a time; `wake()` asks for one soon (a task was created, a run ended).
 */
export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #log: Logger;
  readonly #active = new Map<string, { taskId: string; handle: RunHandle }>();
  #timer: unknown;
  #running = false;
  #ticking: Promise<void> | undefined;
  #again = false;
  #failing = false;
  #ledTerm: number | undefined;
  #recoveredAt = 0;

  constructor(options: SchedulerOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "scheduler" });
  }

  /** Runs executing on this node now. */
  get activeCount(): number {
    return this.#active.size;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.wake();
  }

  /** Claims soon (coalesced with a claim in progress). */
  wake(): void {
    if (!this.#running) return;
    if (this.#ticking !== undefined) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  /** Asks the local run of `taskId` to stop for a cancel; false when none runs here. */
  cancel(taskId: string, reason: string): boolean {
    let found = false;
    for (const entry of this.#active.values()) {
      if (entry.taskId !== taskId) continue;
      entry.handle.stop("cancel", reason);
      found = true;
    }
    return found;
  }

  /**
   * Every local run is asked to stop as abandoned (claiming goes on when allowed): this node can
   * no longer renew their leases, so their end is not its to write.
   */
  abandonAll(reason: string): number {
    const runs = [...this.#active.values()];
    for (const entry of runs) entry.handle.stop("abandon", reason);
    if (runs.length > 0) this.#log.warn({ runs: runs.length, reason }, "local runs stopped");
    return runs.length;
  }

  /** Stops claiming; every local run is abandoned (its task queued again) and awaited. */
  async stop(reason = "conductor stopping"): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
    const runs = [...this.#active.values()];
    for (const entry of runs) entry.handle.stop("abandon", reason);
    await Promise.all(runs.map((entry) => entry.handle.done));
  }

  /** One claim pass now (after the one in progress); resolves when it is over. Tests wait on it. */
  async claimNow(): Promise<void> {
    await this.#ticking;
    if (this.#running) await this.#runTick();
  }

  #schedule(ms: number): void {
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      // A pass in progress schedules the next one when it ends.
      if (this.#running && this.#ticking === undefined) void this.#runTick();
    }, ms);
  }

  #runTick(): Promise<void> {
    if (this.#ticking !== undefined) return this.#ticking;
    this.#ticking = this.#tick().finally(() => {
      this.#ticking = undefined;
      if (!this.#running) return;
      const again = this.#again;
      this.#again = false;
      this.#schedule(again ? 0 : this.#o.pollIntervalMs);
    });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const lease = this.#o.leadership.current();
    if (lease === null) return;
    const now = this.#o.timers.now();
    const due = this.#ledTerm !== lease.term || now - this.#recoveredAt >= (this.#o.recoverEveryMs ?? 30_000);
    if (due && this.#o.onLead !== undefined) {
      try {
        // #active is complete here: claims join it in this same serialized pass.
        await this.#o.onLead(lease, new Set(this.#active.keys()));
        this.#ledTerm = lease.term;
        this.#recoveredAt = now;
      } catch (error) {
        this.#log.warn(
          { err: error, term: lease.term },
          "could not recover this node's earlier runs; trying again at the next poll"
        );
        return;
      }
    }
    if (!this.#o.gate.mayClaim()) return;
    const free = this.#o.maxConcurrent - this.#active.size;
    if (free <= 0) return;
    let claims: ClaimedRun[];
    try {
      claims = await this.#o.store.claimTasks({
        scope: this.#o.scope,
        holder: lease.holder,
        term: lease.term,
        limit: free,
        ...this.#o.claim
      });
      if (this.#failing) this.#log.info("claiming works again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing) this.#log.warn({ err: error }, "claim failed; trying again at the next poll");
      this.#failing = true;
      return;
    }
    for (const claim of claims) this.#begin(claim, lease);
    // A full batch may mean more is due.
    if (claims.length === free && claims.length > 0) this.#again = true;
  }

  #begin(claim: ClaimedRun, lease: { holder: string; term: number }): void {
    const { run, task } = claim;
    this.#log.info(
      { taskId: task.taskId, runId: run.runId, attempt: run.attempt, term: run.term },
      "run claimed"
    );
    let handle: RunHandle;
    try {
      handle = this.#o.execute(claim, lease);
    } catch (error) {
      // The run stays `running` in the store; the lease protocol recovers it (abandonStaleRuns,
      // or the leader's sweep once a node's run lease lapses).
      this.#log.error({ err: error, runId: run.runId }, "could not start a claimed run");
      return;
    }
    this.#active.set(run.runId, { taskId: task.taskId, handle });
    void handle.done.finally(() => {
      this.#active.delete(run.runId);
      this.wake();
    });
  }
}
