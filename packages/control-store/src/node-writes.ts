import type { NodeRecord } from "./records.js";
import { toNodeRecord } from "./row-mapping.js";
import type { ExpressionBuilder } from "kysely";
import type { StoreSchema } from "./schema.js";
import { addMs, rowLocks, type StoreContext } from "./store-context.js";

/** The scope a node-claimed run names: its fencing is its own lease, not the leader's. */
export const RUN_LEASE_SCOPE = "run-lease";

export interface NodeHeartbeat {
  nodeId: string;
  address: string | null;
  labels: readonly string[];
  capacity: number;
  running: number;
  version: string | null;
  executes: boolean;
  /** The node row is `down` this long after this heartbeat. */
  ttlMs: number;
  /** Each of this node's unexpired run leases is renewed to now + this. */
  runLeaseTtlMs: number;
}

/**
 * One write per node per beat, whatever its number of runs: the node's row (registered on its
 * first beat, `draining` kept) and every one of its running runs whose lease has not expired.
 * A run whose lease lapsed is the leader's sweep's to end, never renewed back to life.
 */
export async function heartbeatNode(
  ctx: StoreContext,
  beat: NodeHeartbeat
): Promise<{ node: NodeRecord; renewed: number }> {
  if (!(beat.ttlMs > 0) || !(beat.runLeaseTtlMs > 0))
    throw new TypeError("ttlMs and runLeaseTtlMs must be positive");
  return ctx.writeLease(async (trx, now) => {
    const expires = addMs(now, beat.ttlMs);
    const values = {
      address: beat.address,
      labels: JSON.stringify([...beat.labels]),
      capacity: beat.capacity,
      running: beat.running,
      version: beat.version,
      executes: beat.executes ? 1 : 0,
      heartbeat_at: now,
      expires_at: expires
    };
    const row = await trx
      .insertInto("nodes")
      .values({ node_id: beat.nodeId, draining: 0, started_at: now, ...values })
      .onConflict((oc) => oc.column("node_id").doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    // A run row its executor is writing right now is skipped, not waited for: the renewal must
    // never sit in a chain of lock waits (it would hold the rows it already renewed), and the
    // next beat, a third of the lease later, renews it.
    const renewable = (eb: ExpressionBuilder<StoreSchema, "runs">) => {
      let ids = eb
        .selectFrom("runs as r")
        .select("r.run_id")
        .where("r.owner", "=", beat.nodeId)
        .where("r.state", "=", "running")
        .where("r.scope", "=", RUN_LEASE_SCOPE)
        .where("r.lease_expires_at", ">", now);
      if (rowLocks(ctx.kind)) ids = ids.forUpdate().skipLocked();
      return eb("run_id", "in", ids);
    };
    const renewed = await trx
      .updateTable("runs")
      .set({ lease_expires_at: addMs(now, beat.runLeaseTtlMs) })
      .where(renewable)
      .executeTakeFirst();
    return { node: toNodeRecord(row, now), renewed: Number(renewed.numUpdatedRows) };
  });
}

/** Stops (or restarts) claiming on one node; its runs finish. False for a node never seen. */
export async function setNodeDraining(
  ctx: StoreContext,
  nodeId: string,
  draining: boolean
): Promise<NodeRecord | undefined> {
  return ctx.write(async (trx, now) => {
    const row = await trx
      .updateTable("nodes")
      .set({ draining: draining ? 1 : 0 })
      .where("node_id", "=", nodeId)
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toNodeRecord(row, now);
  });
}

/** Every node ever seen, with its state against the database's clock now. */
export async function listNodes(ctx: StoreContext): Promise<NodeRecord[]> {
  const now = await ctx.now();
  const rows = await ctx.db.selectFrom("nodes").selectAll().orderBy("node_id").execute();
  return rows.map((row) => toNodeRecord(row, now));
}
