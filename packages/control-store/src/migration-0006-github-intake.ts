import { sql, type Kysely, type Migration } from "kysely";
import type { StoreKind } from "./store-kind.js";

/**
 * Version 6 (`0006_github_intake`): where a task came from (`source`, JSON) and the outside key
 * that makes its intake idempotent (`external_key`, unique: one task per GitHub issue whichever
 * node, poll or webhook sees it first); the webhook deliveries already acted on; and the ledger
 * of comments posted about tasks (one row per task and kind, `sending` before the call, `sent`
 * after).
 */
export function githubIntake(kind: StoreKind): Migration {
  const time = kind === "postgres" ? "timestamptz" : "text";
  const big = kind === "postgres" ? "bigint" : "integer";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("tasks").addColumn("source", "text").execute();
      await db.schema.alterTable("tasks").addColumn("external_key", "text").execute();
      // Partial: tasks without an outside origin (most of them) stay out of the index.
      await db.schema
        .createIndex("tasks_external_key")
        .on("tasks")
        .column("external_key")
        .unique()
        .where(sql.ref("external_key"), "is not", null)
        .execute();

      await db.schema
        .createTable("github_deliveries")
        .addColumn("delivery_id", "text", (c) => c.primaryKey())
        .addColumn("received_at", time, (c) => c.notNull())
        .execute();
      // Retention deletes by age.
      await db.schema
        .createIndex("github_deliveries_by_age")
        .on("github_deliveries")
        .column("received_at")
        .execute();

      await db.schema
        .createTable("github_comments")
        .addColumn("task_id", "text", (c) => c.notNull().references("tasks.task_id").onDelete("cascade"))
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("comment_id", big)
        .addColumn("url", "text")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(1))
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("updated_at", time, (c) => c.notNull())
        .addPrimaryKeyConstraint("github_comments_pk", ["task_id", "kind"])
        .execute();
    }
  };
}
