import { sql, type Kysely, type Migration } from "kysely";
import type { StoreKind } from "./store-kind.js";

/**
 * Version 8: every node runs tasks. A row per node (its heartbeat, address, labels, capacity),
 * a lease per running run (`lease_expires_at`, renewed by its owner), and a task's `runs_on`.
 */
export function nodesAndRunLeases(kind: StoreKind): Migration {
  const time = kind === "postgres" ? "timestamptz" : "text";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("nodes")
        .addColumn("node_id", "text", (c) => c.primaryKey())
        .addColumn("address", "text")
        .addColumn("labels", "text", (c) => c.notNull().defaultTo("[]"))
        .addColumn("capacity", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("running", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("version", "text")
        .addColumn("executes", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("draining", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("started_at", time, (c) => c.notNull())
        .addColumn("heartbeat_at", time, (c) => c.notNull())
        .addColumn("expires_at", time, (c) => c.notNull())
        .execute();
      await db.schema.alterTable("runs").addColumn("lease_expires_at", time).execute();
      await db.schema.alterTable("tasks").addColumn("runs_on", "text").execute();
      // The sweep: running runs by lease expiry.
      await db.schema
        .createIndex("runs_by_lease_expiry")
        .on("runs")
        .column("lease_expires_at")
        .where(sql.ref("state"), "=", "running")
        .execute();
    }
  };
}
