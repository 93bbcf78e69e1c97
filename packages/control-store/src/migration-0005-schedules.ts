import type { Kysely, Migration } from "kysely";
import type { StoreKind } from "./store-kind.js";

/**
 * Version 5: schedules (a cron, its time zone and the task each fire creates) and, on tasks,
 * the schedule and fire time that created them. The unique index on the pair is what makes a
 * fire create its task once across nodes, whatever the callers race on.
 */
export function schedules(kind: StoreKind): Migration {
  const time = kind === "postgres" ? "timestamptz" : "text";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("schedules")
        .addColumn("schedule_id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("cron", "text", (c) => c.notNull())
        .addColumn("timezone", "text", (c) => c.notNull())
        .addColumn("catch_up", "text", (c) => c.notNull())
        .addColumn("paused", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("task", "text", (c) => c.notNull())
        .addColumn("next_fire_at", time)
        .addColumn("last_fire_at", time)
        .addColumn("last_task_id", "text")
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("updated_at", time, (c) => c.notNull())
        .execute();
      // The leader's question every tick: which unpaused schedules are due.
      await db.schema
        .createIndex("schedules_due")
        .on("schedules")
        .columns(["paused", "next_fire_at"])
        .execute();
      await db.schema.alterTable("tasks").addColumn("schedule_id", "text").execute();
      await db.schema.alterTable("tasks").addColumn("scheduled_for", time).execute();
      // NULLs are distinct on both engines: tasks not made by a schedule never collide.
      await db.schema
        .createIndex("tasks_one_per_fire")
        .on("tasks")
        .columns(["schedule_id", "scheduled_for"])
        .unique()
        .execute();
    }
  };
}
