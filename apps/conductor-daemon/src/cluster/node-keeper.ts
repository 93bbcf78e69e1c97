import type { ControlStore, NodeRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import { RenewalLoop } from "../leadership/renewal-loop.js";
import {
  decideAfterBeat,
  isLive,
  mayClaim,
  nodeTiming,
  type BeatOutcome,
  type Liveness,
  type NodeTiming
} from "./node-policy.js";

export type NodeKeeperStore = Pick<ControlStore, "heartbeatNode">;

/** What each beat is told about this node's own work. */
export interface NodeSelf {
  /** Runs executing here now (the scheduler's active count). */
  running(): number;
  /** Where other nodes reach this node's API; null until it listens. */
  address(): string | null;
}

/** Heartbeat outcomes, for the node's metrics. */
export interface NodeKeeperObserver {
  beat(renewed: number): void;
  failed(): void;
}

export interface NodeKeeperOptions {
  store: NodeKeeperStore;
  nodeId: string;
  /** BAA_RUN_LEASE_TTL_MS: the run leases and the node row both last this long per beat. */
  ttlMs: number;
  /** BAA_EXECUTE: false beats (the node is listed) but never claims. */
  executes: boolean;
  labels: readonly string[];
  /** BAA_MAX_CONCURRENT_TASKS. */
  capacity: number;
  version: string | null;
  self: NodeSelf;
  timers: ClockTimers;
  logger: Logger;
  /**
   * Called once when renewals failed past ttl − margin: this node's run leases are about to
   * lapse, its runs are the leader's sweep's to end, so it stops them (their writes would be
   * fenced anyway).
   */
  onLost?: (reason: string) => void;
  observer?: NodeKeeperObserver;
}

export interface NodeView {
  nodeId: string;
  live: boolean;
  executes: boolean;
  draining: boolean;
  claiming: boolean;
  /** The row as the last good beat returned it. */
  lastRow: NodeRecord | null;
}

/**
 * Keeps this node's row and its run leases current (PostgreSQL, every node claims): one store
 * write per beat, every third of the TTL. `current()` is what the scheduler claims under:
 * `{holder: nodeId, term: 0}` (a node's runs start at epoch 0) while the last good beat is
 * younger than ttl − margin, the node executes and nobody drained it.
 */
export class NodeKeeper {
  readonly timing: NodeTiming;
  readonly #o: NodeKeeperOptions;
  readonly #log: Logger;
  #liveUntil: Liveness = null;
  #draining = false;
  #lastRow: NodeRecord | null = null;
  readonly #loop: RenewalLoop;
  #lostReported = false;

  constructor(options: NodeKeeperOptions) {
    this.#o = options;
    this.timing = nodeTiming(options.ttlMs);
    this.#log = options.logger.child({ component: "node" });
    this.#loop = new RenewalLoop({
      timers: options.timers,
      attempt: () => this.beat(),
      // A hung beat must not hold the loop past the deadline; a late one may still land.
      attemptTimeoutMs: this.timing.ttlMs - this.timing.marginMs,
      what: "node heartbeat",
      retryMs: this.timing.beatEveryMs,
      onFailed: (error) => this.#log.error({ err: error }, "node heartbeat loop failed; retrying")
    });
  }

  current(): { holder: string; term: number } | null {
    const state = { liveUntil: this.#liveUntil, executes: this.#o.executes, draining: this.#draining };
    return mayClaim(state, this.#o.timers.now()) ? { holder: this.#o.nodeId, term: 0 } : null;
  }

  view(): NodeView {
    return {
      nodeId: this.#o.nodeId,
      live: isLive(this.#liveUntil, this.#o.timers.now()),
      executes: this.#o.executes,
      draining: this.#draining,
      claiming: this.current() !== null,
      lastRow: this.#lastRow
    };
  }

  /** A drain or resume made through this node: seen by its claims at once, not at the next beat. */
  noteDraining(draining: boolean): void {
    this.#draining = draining;
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  /** One heartbeat now (tests; the loop calls it on its own). */
  async beat(): Promise<void> {
    const { timers } = this.#o;
    const sentAt = timers.now();
    let outcome: BeatOutcome;
    try {
      outcome = await this.#loop.bound(this.#write(sentAt));
    } catch (error) {
      this.#log.warn({ err: error }, "node heartbeat failed");
      this.#o.observer?.failed();
      outcome = { kind: "error" };
    }
    const decision = decideAfterBeat(this.timing, this.#liveUntil, outcome, timers.now());
    if (outcome.kind === "ok") this.#o.observer?.beat(outcome.renewed);
    if (decision.change === "lost" || decision.change === "lapsed") this.#lose();
    if (decision.change === "live" || decision.change === "lapsed") {
      this.#lostReported = false;
      this.#log.info({ draining: this.#draining, executes: this.#o.executes }, "node heartbeat current");
    }
    this.#liveUntil = decision.liveUntil;
    this.#armDeadline();
    this.#loop.scheduleNext(decision.waitMs);
  }

  async #write(sentAt: number): Promise<BeatOutcome> {
    const { store, nodeId, self } = this.#o;
    const result = await store.heartbeatNode({
      nodeId,
      address: self.address(),
      labels: this.#o.labels,
      capacity: this.#o.capacity,
      running: self.running(),
      version: this.#o.version,
      executes: this.#o.executes,
      ttlMs: this.timing.ttlMs,
      runLeaseTtlMs: this.timing.ttlMs
    });
    if (result.node.draining !== this.#draining)
      this.#log.info(
        { draining: result.node.draining },
        result.node.draining ? "node drained: not claiming" : "node resumed: claiming again"
      );
    this.#draining = result.node.draining;
    this.#lastRow = result.node;
    return { kind: "ok", sentAt, draining: result.node.draining, renewed: result.renewed };
  }

  #lose(): void {
    if (this.#lostReported) return;
    this.#lostReported = true;
    const reason = "this node could not renew its run leases in time; its runs are the leader's to end";
    this.#log.warn(
      { ttlMs: this.timing.ttlMs },
      "node heartbeat not renewed before its deadline: stopping claims and local runs"
    );
    try {
      this.#o.onLost?.(reason);
    } catch (error) {
      this.#log.error({ err: error }, "stopping local runs after a lost heartbeat failed");
    }
  }

  // Steps down at the local deadline even when a beat hangs past it.
  #armDeadline(): void {
    const until = this.#liveUntil;
    this.#loop.armDeadline(until, () => {
      if (this.#liveUntil === until) {
        this.#liveUntil = null;
        this.#lose();
      }
    });
  }
}
