#!/usr/bin/env node
// task-claim: N trivial queued tasks drained by the conductor's scheduler (apps/conductor-daemon
// scheduler over the real @baa/control-store, the conductor's default concurrency, its real
// ending policy) against a bare claim loop on the same engine (raw SQL on the same driver and
// schema: one transaction claims the next task, `FOR UPDATE SKIP LOCKED` on PostgreSQL, `BEGIN
// IMMEDIATE` on SQLite, and one ends it), on SQLite and on PostgreSQL. The scheduler takes an
// injected executor; here it ends every run at once as succeeded (no codexd), so the figure is
// the scheduler's and the store's own cost. Goal: added time per task ≤ 5 ms.
// PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); skipped,
// and said so, when it cannot be reached.
// Usage: node bench/task-claim.mjs [--tasks N] [--concurrency N]
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { report } from "./lib/report.mjs";

const root = new URL("..", import.meta.url).pathname;
const storeRequire = createRequire(join(root, "packages/control-store/package.json"));
const conductorRequire = createRequire(join(root, "apps/conductor-daemon/package.json"));
const Database = storeRequire("better-sqlite3");
const pg = storeRequire("pg");
const pino = conductorRequire("pino");
const { openControlStore } = await import(join(root, "packages/control-store/dist/index.js"));
const { Scheduler } = await import(join(root, "apps/conductor-daemon/dist/scheduler/scheduler.js"));
const { decideRunEnding } = await import(join(root, "apps/conductor-daemon/dist/scheduler/run-ending.js"));
const { systemClockTimers } = await import(join(root, "packages/clock/dist/index.js"));

const { values } = parseArgs({
  options: { tasks: { type: "string", default: "1000" }, concurrency: { type: "string", default: "2" } }
});
const taskCount = Number(values.tasks);
const concurrency = Number(values.concurrency);
const databaseUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const SCOPE = "bench";
const HOLDER = "bench-node";
const round = (n) => Math.round(n * 1000) / 1000;
const logger = pino({ level: "warn" }, pino.destination({ dest: 2, sync: true }));
// Only `completed` outcomes happen here, so the retry and quota figures are never used.
const policy = { retry: { baseMs: 1000, maxMs: 60_000 }, quota: {} };

/** A fresh store (own SQLite file or own PostgreSQL schema) with N queued tasks and a held lease. */
async function seededStore(kind, dir) {
  const schema = `benchclaim_${randomBytes(5).toString("hex")}`;
  const store = await openControlStore(
    kind === "sqlite" ? { stateDir: join(dir, schema) } : { databaseUrl, schema }
  );
  // One task through the store's own createTask, then N-1 copies of its row in one transaction
  // (seeding is not timed; a createTask each would cost an fsync each).
  await store.createTask({ title: "t0", prompt: "noop" });
  const sqlitePath = kind === "sqlite" ? join(dir, schema, "control-store.sqlite") : null;
  if (kind === "sqlite") copyTaskSqlite(sqlitePath);
  else await copyTaskPostgres(schema);
  const lease = await store.acquireLease({ scope: SCOPE, holder: HOLDER, ttlMs: 600_000 });
  if (lease === null) throw new Error("could not take the lease");
  return { store, schema, lease, sqlitePath };
}

function copiesOf(template) {
  const { seq: _seq, ...row } = template;
  const columns = Object.keys(row);
  return {
    columns,
    rows: Array.from({ length: taskCount - 1 }, (_, i) =>
      columns.map((c) => (c === "task_id" ? `task-${randomUUID()}` : c === "title" ? `t${i + 1}` : row[c]))
    )
  };
}

function copyTaskSqlite(path) {
  const db = new Database(path);
  try {
    const { columns, rows } = copiesOf(db.prepare("select * from tasks").get());
    const insert = db.prepare(
      `insert into tasks (${columns.join(", ")}) values (${columns.map(() => "?").join(", ")})`
    );
    db.transaction(() => {
      for (const values of rows) insert.run(values);
    })();
  } finally {
    db.close();
  }
}

async function copyTaskPostgres(schema) {
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const { columns, rows } = copiesOf((await client.query("select * from tasks")).rows[0]);
    const text = `insert into tasks (${columns.join(", ")}) values (${columns.map((_, i) => `$${i + 1}`).join(", ")})`;
    await client.query("begin");
    for (const values of rows) await client.query(text, values);
    await client.query("commit");
  } finally {
    await client.end();
  }
}

/** The scheduler draining every task with an executor that ends each run at once. */
async function schedulerDrain(kind, dir) {
  const { store, lease } = await seededStore(kind, dir);
  let ended = 0;
  let allDone;
  const finished = new Promise((resolve) => (allDone = resolve));
  const scheduler = new Scheduler({
    store,
    scope: SCOPE,
    leadership: { current: () => ({ holder: lease.holder, term: lease.term }) },
    gate: { mayClaim: () => true },
    maxConcurrent: concurrency,
    pollIntervalMs: 1000,
    timers: systemClockTimers,
    logger,
    execute: (claim, held) => {
      const { ending } = decideRunEnding(
        claim.task,
        { kind: "completed", finalMessage: null, usage: null },
        Date.now(),
        policy
      );
      const done = store
        .finishRun({ runId: claim.run.runId, owner: held.holder, term: held.term }, ending)
        .then((ok) => {
          if (!ok) throw new Error(`run ${claim.run.runId} was fenced off`);
          ended += 1;
          if (ended === taskCount) allDone();
        });
      return { done, stop: () => undefined };
    }
  });
  const started = performance.now();
  // The scheduler's timers are unref'd (as in the conductor); this keeps the process up meanwhile.
  const keepAlive = setInterval(() => undefined, 1000);
  scheduler.start();
  await finished.finally(() => clearInterval(keepAlive));
  const ms = performance.now() - started;
  await scheduler.stop();
  const counts = await store.countTasksByState();
  await store.close();
  if (counts.succeeded !== taskCount) throw new Error(`scheduler left ${JSON.stringify(counts)}`);
  return ms;
}

/** The bare loop on SQLite: better-sqlite3, same pragmas as the store, one claim transaction and one end transaction per task. */
async function bareSqlite(dir) {
  const { store, sqlitePath } = await seededStore("sqlite", dir);
  await store.close();
  const db = new Database(sqlitePath);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  const next = db.prepare(
    "select task_id, run_count from tasks where state = 'queued' and (not_before is null or not_before <= ?) order by priority desc, seq asc limit 1"
  );
  const insertRun = db.prepare(
    "insert into runs (run_id, task_id, scope, attempt, owner, term, state, started_at) values (?, ?, ?, ?, ?, 1, 'running', ?)"
  );
  const markRunning = db.prepare(
    "update tasks set state = 'running', run_count = ?, last_run_id = ?, updated_at = ? where task_id = ?"
  );
  const endRun = db.prepare("update runs set state = 'succeeded', ended_at = ? where run_id = ?");
  const endTask = db.prepare(
    "update tasks set state = 'succeeded', ended_at = ?, updated_at = ? where task_id = ?"
  );
  const claim = db.transaction(() => {
    const now = new Date().toISOString();
    const task = next.get(now);
    if (task === undefined) return null;
    const runId = `run-${randomUUID()}`;
    insertRun.run(runId, task.task_id, SCOPE, task.run_count + 1, HOLDER, now);
    markRunning.run(task.run_count + 1, runId, now, task.task_id);
    return { taskId: task.task_id, runId };
  });
  const end = db.transaction((run) => {
    const now = new Date().toISOString();
    endRun.run(now, run.runId);
    endTask.run(now, now, run.taskId);
  });
  const started = performance.now();
  let drained = 0;
  for (let run = claim.immediate(); run !== null; run = claim.immediate()) {
    end.immediate(run);
    drained += 1;
  }
  const ms = performance.now() - started;
  db.close();
  if (drained !== taskCount) throw new Error(`bare sqlite drained ${drained}`);
  return ms;
}

/** The bare loop on PostgreSQL: one pg client, `FOR UPDATE SKIP LOCKED` claim, then the end, each its own transaction. */
async function barePostgres(dir) {
  const { store, schema } = await seededStore("postgres", dir);
  await store.close();
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  let drained = 0;
  const started = performance.now();
  try {
    for (;;) {
      await client.query("begin");
      const { rows } = await client.query(
        "select task_id, run_count from tasks where state = 'queued' and (not_before is null or not_before <= now()) order by priority desc, seq asc limit 1 for update skip locked"
      );
      if (rows.length === 0) {
        await client.query("commit");
        break;
      }
      const task = rows[0];
      const runId = `run-${randomUUID()}`;
      await client.query(
        "insert into runs (run_id, task_id, scope, attempt, owner, term, state, started_at) values ($1, $2, $3, $4, $5, 1, 'running', now())",
        [runId, task.task_id, SCOPE, task.run_count + 1, HOLDER]
      );
      await client.query(
        "update tasks set state = 'running', run_count = $1, last_run_id = $2, updated_at = now() where task_id = $3",
        [task.run_count + 1, runId, task.task_id]
      );
      await client.query("commit");
      await client.query("begin");
      await client.query("update runs set state = 'succeeded', ended_at = now() where run_id = $1", [runId]);
      await client.query(
        "update tasks set state = 'succeeded', ended_at = now(), updated_at = now() where task_id = $1",
        [task.task_id]
      );
      await client.query("commit");
      drained += 1;
    }
  } finally {
    await client.end();
  }
  const ms = performance.now() - started;
  if (drained !== taskCount) throw new Error(`bare postgres drained ${drained}`);
  return ms;
}

async function dropSchemas(prefix) {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query("select nspname from pg_namespace where nspname like $1", [
      `${prefix}%`
    ]);
    for (const { nspname } of rows) await client.query(`drop schema if exists ${nspname} cascade`);
  } finally {
    await client.end();
  }
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch (error) {
    console.log(`PostgreSQL at ${databaseUrl} not reachable (${error.message}): skipping it`);
    return false;
  }
}

const dir = mkdtempSync(join(tmpdir(), "baa-bench-claim-"));
const engines = {};
try {
  const kinds = ["sqlite", ...((await postgresReachable()) ? ["postgres"] : [])];
  for (const kind of kinds) {
    const bare = kind === "sqlite" ? await bareSqlite(dir) : await barePostgres(dir);
    const scheduled = await schedulerDrain(kind, dir);
    engines[kind] = {
      bareMs: round(bare),
      schedulerMs: round(scheduled),
      barePerTaskMs: round(bare / taskCount),
      schedulerPerTaskMs: round(scheduled / taskCount),
      addedPerTaskMs: round((scheduled - bare) / taskCount)
    };
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  if (engines.postgres)
    await dropSchemas("benchclaim_").catch((error) =>
      console.error(`could not drop bench schemas: ${error.message}`)
    );
}

const worst = Math.max(...Object.values(engines).map((e) => e.addedPerTaskMs));
const result = {
  bench: "task-claim",
  tasks: taskCount,
  concurrency,
  executor: "injected: ends each run at once (no codexd)",
  engines,
  ratio: { addedPerTaskMs: worst },
  goal: { addedPerTaskMs: 5 }
};
report(result, [
  `${taskCount} trivial tasks, scheduler concurrency ${concurrency}, instant executor`,
  ...Object.entries(engines).map(
    ([kind, e]) =>
      `  ${kind.padEnd(8)} bare ${e.bareMs} ms (${e.barePerTaskMs} ms/task)  scheduler ${e.schedulerMs} ms (${e.schedulerPerTaskMs} ms/task)  added ${e.addedPerTaskMs} ms/task`
  ),
  `  worst added per task ${worst} ms (goal ≤ ${result.goal.addedPerTaskMs})`
]);
