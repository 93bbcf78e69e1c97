import { Counter, type Registry } from "prom-client";
import type { NodeKeeperObserver } from "../cluster/node-keeper.js";
import type { SweeperObserver } from "../cluster/run-lease-sweeper.js";

const PREFIX = "conductor_";

/** What a node of a cluster counts: its heartbeats and run-lease renewals, the leader's sweeps, stale writes. */
export interface NodeMetrics {
  heartbeat: NodeKeeperObserver;
  sweeper: SweeperObserver;
  staleWrite(write: "update" | "finish"): void;
}

/** Registers the node's counters on its registry (one registry per node: no node label needed). */
export function registerNodeMetrics(registry: Registry): NodeMetrics {
  const registers = [registry];
  const beats = new Counter({
    name: `${PREFIX}node_heartbeats_total`,
    help: "Heartbeats this node wrote (each one write: its row and every run lease it renews).",
    registers
  });
  const renewals = new Counter({
    name: `${PREFIX}run_lease_renewals_total`,
    help: "Run leases this node's heartbeats renewed (the sum of runs renewed per beat).",
    registers
  });
  const failures = new Counter({
    name: `${PREFIX}node_heartbeat_failures_total`,
    help: "Heartbeats of this node that failed or did not answer in time.",
    registers
  });
  const sweeps = new Counter({
    name: `${PREFIX}run_lease_sweeps_total`,
    help: "Sweeps of expired run leases this node ran as leader.",
    registers
  });
  const swept = new Counter({
    name: `${PREFIX}runs_swept_total`,
    help: "Runs those sweeps ended abandoned (their lease lapsed).",
    registers
  });
  const stale = new Counter({
    name: `${PREFIX}stale_writes_total`,
    help: "Run writes of this node the store fenced out, by write (update, finish).",
    labelNames: ["write"],
    registers
  });
  stale.inc({ write: "update" }, 0);
  stale.inc({ write: "finish" }, 0);
  return {
    heartbeat: {
      beat: (renewed) => {
        beats.inc();
        renewals.inc(renewed);
      },
      failed: () => failures.inc()
    },
    sweeper: {
      swept: (runs) => {
        sweeps.inc();
        swept.inc(runs);
      }
    },
    staleWrite: (write) => stale.inc({ write })
  };
}
