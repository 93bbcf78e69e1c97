import { sql, type Kysely, type Migration } from "kysely";
import type { StoreKind } from "./store-kind.js";

/** Task states a notification is sent for (as `task.<state>`). */
export const NOTIFIED_STATES = [
  "in_review",
  "needs_approval",
  "landed",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "discarded"
] as const;

const STATES_SQL = NOTIFIED_STATES.map((state) => `'${state}'`).join(", ");

/**
 * Version 7: a task's own notification URLs, and the outbox. A trigger on `tasks.state` writes
 * one `notification_events` row in the same transaction as every change into a notified state,
 * whichever code path made it; a land that is refused (`landing` back to where it was) is not a
 * new outcome and writes none. Dispatchers turn events into one delivery per URL.
 */
export function notifications(kind: StoreKind): Migration {
  const time = kind === "postgres" ? "timestamptz" : "text";
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("tasks").addColumn("notify", "text").execute();
      await db.schema
        .createTable("notification_events")
        .addColumn("seq", kind === "postgres" ? "bigint" : "integer", (c) =>
          kind === "postgres" ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()
        )
        .addColumn("task_id", "text", (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("occurred_at", time, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("notification_deliveries")
        .addColumn("delivery_id", "text", (c) => c.primaryKey())
        .addColumn("task_id", "text", (c) => c.notNull())
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", time, (c) => c.notNull())
        .addColumn("give_up_at", time, (c) => c.notNull())
        .addColumn("lease_token", "text")
        .addColumn("lease_until", time)
        .addColumn("last_status", "integer")
        .addColumn("last_error", "text")
        .addColumn("last_attempt_at", time)
        .addColumn("last_failed_at", time)
        .addColumn("created_at", time, (c) => c.notNull())
        .addColumn("finished_at", time)
        .execute();
      await db.schema
        .createIndex("notification_deliveries_due")
        .on("notification_deliveries")
        .columns(["state", "next_attempt_at"])
        .execute();
      if (kind === "postgres") {
        // SET search_path FROM CURRENT: the function finds the outbox in this schema whoever fires it.
        await sql`
          create function baa_task_notification() returns trigger language plpgsql
          set search_path from current as $$
          begin
            insert into notification_events (task_id, event, occurred_at) values (new.task_id, 'task.' || new.state, new.updated_at);
            return new;
          end $$`.execute(db);
        await sql
          .raw(`
          create trigger tasks_notification after update of state on tasks for each row
          when (new.state in (${STATES_SQL}) and new.state is distinct from old.state and (old.state <> 'landing' or new.state = 'landed'))
          execute function baa_task_notification()`)
          .execute(db);
      } else {
        await sql
          .raw(`
          create trigger tasks_notification after update of state on tasks for each row
          when new.state in (${STATES_SQL}) and new.state <> old.state and (old.state <> 'landing' or new.state = 'landed')
          begin
            insert into notification_events (task_id, event, occurred_at) values (new.task_id, 'task.' || new.state, new.updated_at);
          end`)
          .execute(db);
      }
    }
  };
}
