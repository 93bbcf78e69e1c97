import type { TaskRecord } from "./records.js";

export interface ClaimOptions {
  /** The leader lease's scope (SQLite, one node), or RUN_LEASE_SCOPE: a node claiming for itself. */
  scope: string;
  /** The claiming node's id. */
  holder: string;
  /** The leader lease's term (ignored for a node's claim: its runs start at epoch 0). */
  term: number;
  limit: number;
  /** A node's claim: each run's lease lasts this long, renewed by the node's heartbeat. */
  runLeaseTtlMs?: number;
  /** A node's claim: whether it can run the task here (e.g. its cwd exists on this node). */
  accepts?: (task: TaskRecord) => boolean;
}
