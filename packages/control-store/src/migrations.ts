import { checksAndLandQueue } from "./migration-0004-checks-queue.js";
import { nodesAndRunLeases } from "./migration-0008-nodes-run-leases.js";
import { githubIntake } from "./migration-0006-github-intake.js";
import { schedules } from "./migration-0005-schedules.js";
import { notifications } from "./migration-0007-notifications.js";
import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

import type { StoreKind } from "./store-kind.js";

export type { StoreKind } from "./store-kind.js";

/** Column types that differ between the engines; everything else is one definition. */
function types(kind: StoreKind) {
  return {
    time: kind === "postgres" ? ("timestamptz" as const) : ("text" as const),
    big: kind === "postgres" ? ("bigint" as const) : ("integer" as const)
  };
}

/** Version 1: tasks, their dependencies, runs, the lease and the system mode. */
function tasksRunsLease(kind: StoreKind): Migration {
  const t = types(kind);
  return {
    async up(db: Kysely<unknown>) {
      await createTaskTables(db, kind, t);
      await createRunsTable(db, t);
      await createLeaseAndSystemTables(db, t);
    }
  };
}

type ColumnTypes = ReturnType<typeof types>;

/** Version 1's tasks and their dependencies. */
async function createTaskTables(db: Kysely<unknown>, kind: StoreKind, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("tasks")
    .addColumn("seq", t.big, (c) =>
      kind === "postgres" ? c.primaryKey().generatedAlwaysAsIdentity() : c.primaryKey().autoIncrement()
    )
    .addColumn("task_id", "text", (c) => c.notNull().unique())
    .addColumn("title", "text", (c) => c.notNull())
    .addColumn("prompt", "text", (c) => c.notNull())
    .addColumn("cwd", "text")
    .addColumn("model", "text")
    .addColumn("priority", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("max_attempts", "integer", (c) => c.notNull())
    .addColumn("timeout_ms", t.big)
    .addColumn("depends_on", "text", (c) => c.notNull().defaultTo("[]"))
    .addColumn("not_before", t.time)
    .addColumn("approval_policy", "text")
    .addColumn("sandbox", "text")
    .addColumn("idempotency_key", "text", (c) => c.unique())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("state_reason", "text")
    .addColumn("attempts_spent", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("run_count", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("cancel_requested", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("last_run_id", "text")
    .addColumn("created_at", t.time, (c) => c.notNull())
    .addColumn("updated_at", t.time, (c) => c.notNull())
    .addColumn("ended_at", t.time)
    .execute();
  // The claim query: due queued tasks by priority then age.
  await db.schema
    .createIndex("tasks_by_state_priority")
    .on("tasks")
    .columns(["state", "priority", "seq"])
    .execute();

  await db.schema
    .createTable("task_dependencies")
    .addColumn("task_id", "text", (c) => c.notNull().references("tasks.task_id").onDelete("cascade"))
    .addColumn("depends_on", "text", (c) => c.notNull().references("tasks.task_id"))
    .addPrimaryKeyConstraint("task_dependencies_pk", ["task_id", "depends_on"])
    .execute();
  await db.schema
    .createIndex("task_dependencies_by_target")
    .on("task_dependencies")
    .column("depends_on")
    .execute();
}

/** Version 1's runs: at most one running per task. */
async function createRunsTable(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("runs")
    .addColumn("run_id", "text", (c) => c.primaryKey())
    .addColumn("task_id", "text", (c) => c.notNull().references("tasks.task_id"))
    .addColumn("scope", "text", (c) => c.notNull())
    .addColumn("attempt", "integer", (c) => c.notNull())
    .addColumn("owner", "text", (c) => c.notNull())
    .addColumn("term", "integer", (c) => c.notNull())
    .addColumn("state", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("session_id", "text")
    .addColumn("thread_id", "text")
    .addColumn("turn_id", "text")
    .addColumn("final_message", "text")
    .addColumn("usage", "text")
    .addColumn("started_at", t.time, (c) => c.notNull())
    .addColumn("ended_at", t.time)
    .addUniqueConstraint("runs_task_attempt", ["task_id", "attempt"])
    .execute();
  // Invariant 1: at most one running run per task, enforced by the store itself.
  await db.schema
    .createIndex("runs_one_running_per_task")
    .on("runs")
    .column("task_id")
    .unique()
    .where(sql.ref("state"), "=", "running")
    .execute();
  await db.schema.createIndex("runs_by_state").on("runs").columns(["state", "term"]).execute();
}

/** Version 1's lease and system mode. */
async function createLeaseAndSystemTables(db: Kysely<unknown>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable("leases")
    .addColumn("scope", "text", (c) => c.primaryKey())
    .addColumn("holder", "text")
    .addColumn("term", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("expires_at", t.time)
    .execute();

  await db.schema
    .createTable("system_state")
    .addColumn("id", "integer", (c) => c.primaryKey())
    .addColumn("mode", "text", (c) => c.notNull())
    .addColumn("reason", "text")
    .addColumn("changed_at", t.time, (c) => c.notNull())
    .execute();
}

/** Version 2: isolated workspaces, progress (stall) tracking and the usage-limit pause. */
function workspacesProgressQuota(kind: StoreKind): Migration {
  const t = types(kind);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("tasks").addColumn("stall_timeout_ms", t.big).execute();
      await db.schema.alterTable("tasks").addColumn("workspace", "text").execute();
      await db.schema.alterTable("runs").addColumn("workspace", "text").execute();
      await db.schema.alterTable("runs").addColumn("last_event_at", t.time).execute();
      await db.schema.alterTable("system_state").addColumn("quota_paused_until", t.time).execute();
      await db.schema.alterTable("system_state").addColumn("quota_reason", "text").execute();
    }
  };
}

/**
 * Version 3: review and landing. A task keeps its review policy, the branch its worktree came
 * from, its round (+1 per revise) and that round's input, and what its last land and push did
 * (JSON); a run keeps the round it worked on and the commit it made.
 */
function reviewAndLanding(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable("tasks").addColumn("review", "text").execute();
      await db.schema.alterTable("tasks").addColumn("base_branch", "text").execute();
      await db.schema
        .alterTable("tasks")
        .addColumn("round", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable("tasks").addColumn("round_input", "text").execute();
      await db.schema.alterTable("tasks").addColumn("landing", "text").execute();
      await db.schema.alterTable("tasks").addColumn("push", "text").execute();
      await db.schema
        .alterTable("runs")
        .addColumn("round", "integer", (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema.alterTable("runs").addColumn("commit", "text").execute();
    }
  };
}

/** Every version, oldest first; a version's number is its position (1-based). Never edit a shipped one: add the next. */
export function migrationsFor(kind: StoreKind): Array<[name: string, migration: Migration]> {
  return [
    ["0001_tasks_runs_lease", tasksRunsLease(kind)],
    ["0002_workspaces_progress_quota", workspacesProgressQuota(kind)],
    ["0003_review_and_landing", reviewAndLanding()],
    ["0004_checks_and_land_queue", checksAndLandQueue(kind)],
    ["0005_schedules", schedules(kind)],
    ["0006_github_intake", githubIntake(kind)],
    ["0007_notifications", notifications(kind)],
    ["0008_nodes_and_run_leases", nodesAndRunLeases(kind)]
  ];
}

/** The newest version: every migration in the list applied. */
export const LATEST_VERSION = migrationsFor("sqlite").length;

export function migrationProvider(kind: StoreKind): MigrationProvider {
  return { getMigrations: async () => Object.fromEntries(migrationsFor(kind)) };
}
