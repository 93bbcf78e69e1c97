import { existsSync } from "node:fs";
import { RUN_LEASE_SCOPE, type ControlStore, type RunRecord, type TaskRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { ConductorConfig } from "../config.js";
import type { ClockTimers } from "@baa/clock";
import type { NodeMetrics } from "../metrics/node-metrics.js";
import type { SchedulerOptions } from "../scheduler/scheduler.js";
import { conductorVersion } from "../version.js";
import { NodeKeeper } from "./node-keeper.js";
import { interruptOnOwner } from "./owner-interrupt.js";
import { RunLeaseSweeper } from "./run-lease-sweeper.js";

export interface ClusterNodeOptions {
  config: ConductorConfig;
  store: Pick<ControlStore, "kind" | "heartbeatNode" | "expireRunLeases" | "notePlacement" | "listNodes">;
  /** The leader lease: the sweep runs on the leader only. */
  lease: { current(): { holder: string; term: number } | null; readonly scope: string };
  sharedToken: string;
  interruptLocal(run: RunRecord): Promise<void>;
  metrics: NodeMetrics;
  timers: ClockTimers;
  logger: Logger;
}

/** What the scheduler and the routes need from this node once the task engine exists. */
export interface ClusterNodeBinding {
  running(): number;
  abandonLocalRuns(reason: string): void;
  listenAddress(): string | null;
}

/**
 * This node in its cluster. PostgreSQL: every node claims under its own heartbeat (the
 * NodeKeeper), its runs under their own leases, and the leader sweeps lapsed ones. SQLite is one
 * node: it keeps the leader's claim; its keeper only registers it (so `GET /v1/system/nodes`
 * lists it) and never stops its runs.
 */
export class ClusterNode {
  readonly keeper: NodeKeeper;
  /** Null on SQLite (one node: nothing to sweep). */
  readonly sweeper: RunLeaseSweeper | null;
  /** Whether this node claims for itself (PostgreSQL). */
  readonly claimsForItself: boolean;
  #binding: ClusterNodeBinding | undefined;

  constructor(options: ClusterNodeOptions) {
    const { config, store, timers, logger } = options;
    this.claimsForItself = store.kind === "postgres";
    if (!this.claimsForItself && !config.execute)
      logger.warn("BAA_EXECUTE=false has no effect on SQLite: one node, which runs its tasks");
    this.keeper = new NodeKeeper({
      store,
      nodeId: config.nodeId,
      ttlMs: config.runLeaseTtlMs,
      executes: this.claimsForItself ? config.execute : true,
      labels: config.nodeLabels,
      capacity: config.maxConcurrentTasks,
      version: conductorVersion(),
      self: {
        running: () => this.#binding?.running() ?? 0,
        address: () => config.nodeAddress ?? this.#binding?.listenAddress() ?? null
      },
      timers,
      logger,
      observer: options.metrics.heartbeat,
      ...(this.claimsForItself ? { onLost: (reason: string) => this.#binding?.abandonLocalRuns(reason) } : {})
    });
    this.sweeper = this.claimsForItself
      ? new RunLeaseSweeper({
          store,
          leadership: options.lease,
          nodeId: config.nodeId,
          everyMs: Math.max(50, Math.floor(config.runLeaseTtlMs / 3)),
          interruptLocal: options.interruptLocal,
          interruptRemote: (address, run) => interruptOnOwner(address, options.sharedToken, run),
          observer: options.metrics.sweeper,
          timers,
          logger
        })
      : null;
  }

  /** The scheduler's leadership and claim options on PostgreSQL; undefined on SQLite (the lease keeper's). */
  schedulerSide():
    | {
        leadership: { current(): { holder: string; term: number } | null; readonly scope: string };
        claim: NonNullable<SchedulerOptions["claim"]>;
      }
    | undefined {
    if (!this.claimsForItself) return undefined;
    const keeper = this.keeper;
    return {
      leadership: { scope: RUN_LEASE_SCOPE, current: () => keeper.current() },
      claim: { runLeaseTtlMs: this.keeper.timing.ttlMs, accepts: acceptsHere }
    };
  }

  bind(binding: ClusterNodeBinding): void {
    this.#binding = binding;
  }
}

/** A task whose cwd is not on this machine is another node's to run. */
function acceptsHere(task: TaskRecord): boolean {
  return task.cwd === null || existsSync(task.cwd);
}
