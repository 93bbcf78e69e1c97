import { sql, type Kysely, type Migration } from "kysely";
import type { StoreKind } from "./store-kind.js";

/**
 * Version 4: the checks a run ran and its setup (runs), a task's own repository-config
 * override, its place in a land queue, and the paths it shares with other open tasks (tasks).
 */
export function checksAndLandQueue(kind: StoreKind): Migration {
  const time = kind === "postgres" ? "timestamptz" : "text";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("runs").addColumn("checks", "text").execute();
      await db.schema.alterTable("runs").addColumn("setup", "text").execute();
      await db.schema.alterTable("tasks").addColumn("repo_config", "text").execute();
      await db.schema.alterTable("tasks").addColumn("queue_repo", "text").execute();
      await db.schema.alterTable("tasks").addColumn("queue_target", "text").execute();
      await db.schema.alterTable("tasks").addColumn("queue_method", "text").execute();
      await db.schema.alterTable("tasks").addColumn("queued_at", time).execute();
      await db.schema.alterTable("tasks").addColumn("overlaps", "text").execute();
      // A queue's order: its tasks by the time they were queued.
      await db.schema
        .createIndex("tasks_land_queue")
        .on("tasks")
        .columns(["queue_repo", "queue_target", "queued_at"])
        .where(sql.ref("queued_at"), "is not", null)
        .execute();
    }
  };
}
