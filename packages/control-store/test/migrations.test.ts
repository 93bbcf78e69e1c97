import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { LATEST_VERSION, openControlStore } from "../src/index.js";
import { TEST_DATABASE_URL, withHarness, type EngineKind } from "./support/harness.js";
import { claimAll, finish, lead } from "./support/steps.js";

for (const kind of ["sqlite", "postgres"] as EngineKind[]) {
  describe(`${kind}: migrations`, () => {
    test("from empty to the latest version, then nothing left to do", () =>
      withHarness(
        kind,
        async ({ store }) => {
          assert.deepEqual(await store.migrate(), { from: 0, to: LATEST_VERSION });
          assert.deepEqual(await store.migrate(), { from: LATEST_VERSION, to: LATEST_VERSION });
          assert.equal((await store.getSystemState()).mode, "running");
        },
        { migrate: false }
      ));

    test("from the previous version, keeping its rows and giving new columns their defaults", () =>
      withHarness(
        kind,
        async (h) => {
          assert.deepEqual(await h.store.migrate({ to: 1 }), { from: 0, to: 1 });
          // Rows as version 1 wrote them (it had no workspace, stall timeout, progress or quota columns).
          await h.raw(
            `insert into tasks (task_id, title, prompt, priority, max_attempts, timeout_ms, depends_on, state, attempts_spent,
               run_count, cancel_requested, last_run_id, created_at, updated_at)
             values ('task-old', 'old', 'from v1', 3, 2, 60000, '[]', 'running', 0, 1, 0, 'run-old', $1, $2)`,
            ["2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"]
          );
          await h.raw(
            `insert into tasks (task_id, title, prompt, priority, max_attempts, depends_on, state, attempts_spent, run_count,
               cancel_requested, created_at, updated_at)
             values ('task-waiting', 'waiting', 'from v1', 0, 3, '[]', 'queued', 0, 0, 0, $1, $2)`,
            ["2030-01-01T00:00:01.000Z", "2030-01-01T00:00:01.000Z"]
          );
          await h.raw(
            `insert into runs (run_id, task_id, scope, attempt, owner, term, state, started_at)
             values ('run-old', 'task-old', 'scheduler', 1, 'n-old', 1, 'running', $1)`,
            ["2030-01-01T00:00:00.000Z"]
          );
          await h.raw(
            "insert into leases (scope, holder, term, expires_at) values ('scheduler', 'n-old', 1, $1)",
            ["2000-01-01T00:00:00.000Z"]
          );
          await h.raw("update system_state set mode = 'paused', reason = 'v1 pause'");

          assert.deepEqual(await h.store.migrate(), { from: 1, to: LATEST_VERSION });
          const old = await h.store.getTask("task-old");
          assert.equal(old?.title, "old");
          assert.equal(old?.priority, 3);
          assert.equal(old?.timeoutMs, 60_000);
          assert.equal(old?.stallTimeoutMs, null);
          assert.equal(old?.workspace, null);
          assert.equal(old?.round, 1);
          const run = await h.store.getRun("run-old");
          assert.equal(run?.state, "running");
          assert.equal(run?.workspace, null);
          assert.equal(run?.lastEventAt, null);
          assert.equal(run?.round, 1);
          const state = await h.store.getSystemState();
          assert.equal(state.mode, "paused");
          assert.equal(state.quotaPausedUntil, null);

          // The migrated data works: the new leader recovers the old run and runs both tasks.
          await h.store.setSystemMode("running");
          const l = await lead(h.store, "n-new");
          assert.equal(l.term, 2);
          assert.deepEqual(
            (await h.store.abandonStaleRuns({ scope: "scheduler", holder: "n-new", term: l.term })).map(
              (r) => r.runId
            ),
            ["run-old"]
          );
          const claimed = await claimAll(h.store, l, 5);
          assert.deepEqual(
            claimed.map((c) => [c.task.taskId, c.run.attempt]),
            [
              ["task-old", 2],
              ["task-waiting", 1]
            ]
          );
          for (const c of claimed)
            assert.equal(await finish(h.store, l, c.run.runId, "succeeded", "succeeded", false), true);
        },
        { migrate: false }
      ));

    test("from version 2: old tasks and runs are round 1 with no review, branch, land or commit", () =>
      withHarness(
        kind,
        async (h) => {
          assert.deepEqual(await h.store.migrate({ to: 2 }), { from: 0, to: 2 });
          // Rows as version 2 wrote them: a worktree task that ended, and one still queued.
          await h.raw(
            `insert into tasks (task_id, title, prompt, priority, max_attempts, depends_on, workspace, state, attempts_spent,
               run_count, cancel_requested, last_run_id, created_at, updated_at, ended_at)
             values ('task-done', 'done', 'from v2', 0, 3, '[]', 'worktree', 'succeeded', 0, 1, 0, 'run-done', $1, $2, $3)`,
            ["2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z", "2030-01-01T00:00:00.000Z"]
          );
          await h.raw(
            `insert into tasks (task_id, title, prompt, priority, max_attempts, depends_on, state, attempts_spent, run_count,
               cancel_requested, created_at, updated_at)
             values ('task-next', 'next', 'from v2', 0, 3, '["task-done"]', 'blocked', 0, 0, 0, $1, $2)`,
            ["2030-01-01T00:00:01.000Z", "2030-01-01T00:00:01.000Z"]
          );
          await h.raw(
            "insert into task_dependencies (task_id, depends_on) values ('task-next', 'task-done')"
          );
          await h.raw(
            `insert into runs (run_id, task_id, scope, attempt, owner, term, state, workspace, started_at, last_event_at, ended_at)
             values ('run-done', 'task-done', 'scheduler', 1, 'n-old', 1, 'succeeded', $1, $2, $3, $4)`,
            [
              JSON.stringify({ kind: "worktree", path: "/w/t", branch: "baa/task-done", baseCommit: "b0" }),
              ...Array(3).fill("2030-01-01T00:00:00.000Z")
            ]
          );

          assert.deepEqual(await h.store.migrate(), { from: 2, to: LATEST_VERSION });
          const done = await h.store.getTask("task-done");
          assert.equal(done?.state, "succeeded");
          assert.equal(done?.workspace, "worktree");
          assert.deepEqual(
            [done?.review, done?.baseBranch, done?.round, done?.roundInput, done?.landing, done?.push],
            [null, null, 1, null, null, null]
          );
          const run = await h.store.getRun("run-done");
          assert.equal(run?.round, 1);
          assert.equal(run?.commit, null);
          assert.equal(run?.workspace?.branch, "baa/task-done");
          // Without a recorded base branch an old task cannot be revised or landed.
          assert.equal((await h.store.reviseTask("task-done", "more"))?.kind, "not_revisable");
          assert.equal((await h.store.beginLanding("task-done"))?.kind, "wrong_state");

          const l = await lead(h.store, "n-new");
          const [claimed] = await claimAll(h.store, l, 5);
          assert.equal(claimed?.task.taskId, "task-next");
          assert.equal(claimed?.run.round, 1);
          assert.equal(
            await finish(h.store, l, claimed!.run.runId, "succeeded", "in_review", false, { commit: "c1" }),
            true
          );
          assert.equal((await h.store.getRun(claimed!.run.runId))?.commit, "c1");
        },
        { migrate: false }
      ));

    test("two nodes starting at once both end up on the latest version", () =>
      withHarness(
        kind,
        async (h) => {
          const [a, b] = await Promise.all([
            openControlStore(h.openOptions),
            openControlStore(h.openOptions)
          ]);
          try {
            assert.equal((await a.migrate()).to, LATEST_VERSION);
            assert.equal((await b.migrate()).from, LATEST_VERSION);
          } finally {
            await a.close();
            await b.close();
          }
        },
        { migrate: false }
      ));

    test("an unknown version is refused", () =>
      withHarness(kind, async ({ store }) => {
        await assert.rejects(store.migrate({ to: LATEST_VERSION + 1 }), TypeError);
      }));
  });
}

describe("postgres: migrations beside other schemas", () => {
  test("migrating is not disturbed by other schemas being created and dropped meanwhile", async () => {
    const churn = new pg.Client(TEST_DATABASE_URL);
    await churn.connect();
    let stop = false;
    let cycles = 0;
    const churning = (async () => {
      while (!stop) {
        const name = `cs_churn_${process.pid}_${cycles % 4}`;
        await churn.query(`create schema if not exists ${name}`);
        await churn.query(`create table if not exists ${name}.t (id serial primary key, v text)`);
        await churn.query(`drop schema ${name} cascade`);
        cycles += 1;
      }
    })();
    try {
      for (let i = 0; i < 6; i += 1) {
        await withHarness("postgres", async ({ store }) => {
          assert.equal((await store.migrate()).to, LATEST_VERSION);
        });
      }
    } finally {
      stop = true;
      await churning;
      await churn.end();
    }
    assert.ok(cycles > 0);
  });
});

describe("postgres: migration locks", () => {
  test("a schema migrates while another holds kysely's database-wide migration lock", async () => {
    const blocker = new pg.Client(TEST_DATABASE_URL);
    await blocker.connect();
    try {
      // kysely's own key (PostgresAdapter): one lock for every schema of the database.
      await blocker.query("select pg_advisory_lock(3853314791062309107)");
      await withHarness("postgres", async ({ store }) => {
        assert.equal((await store.migrate()).to, LATEST_VERSION);
      });
    } finally {
      await blocker.end();
    }
  });

  test("two stores on one schema migrate one at a time and both finish", () =>
    withHarness(
      "postgres",
      async (h) => {
        const stores = await Promise.all(
          [1, 2, 3].map(() => openControlStore({ ...h.openOptions, migrate: false }))
        );
        try {
          const results = await Promise.all(stores.map((s) => s.migrate()));
          assert.equal(results.filter((r) => r.from === 0).length >= 1, true);
          assert.ok(results.every((r) => r.to === LATEST_VERSION));
        } finally {
          await Promise.all(stores.map((s) => s.close()));
        }
      },
      { migrate: false }
    ));
});
