// The lease under contention (PostgreSQL): a renewal never waits for the store's pool or for a
// run write in flight, and a takeover that lands inside a run write still fences it exactly.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { eventually } from "@baa/test-support";
import pg from "pg";
import { openControlStore, type ControlStore } from "../src/index.js";
import { TEST_DATABASE_URL, withHarness, type Harness } from "./support/harness.js";
import { claimAll, finish, lead, SCOPE } from "./support/steps.js";

/** A second store on the harness's schema with its own application name and a small pool. */
async function openBusyStore(h: Harness, poolSize: number): Promise<{ store: ControlStore; app: string }> {
  const app = `cs-contention-${randomBytes(4).toString("hex")}`;
  // Lock waits far longer than any test step: a renewal that queued would hang, not pass.
  const store = await openControlStore({
    ...h.openOptions,
    migrate: false,
    poolSize,
    applicationName: app,
    statementTimeoutMs: 60_000,
    connectTimeoutMs: 60_000
  });
  return { store, app };
}

/** Another session holding row locks in an open transaction until `release`. */
async function holdLocks(
  statement: string,
  params: unknown[],
  schema: string
): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  await client.query("begin");
  await client.query(statement, params);
  return {
    async release() {
      await client.query("commit");
      await client.end();
    }
  };
}

/** Resolves once `count` backends of `app` wait on a lock (the calls under test are blocked mid-transaction). */
async function waitForLockWait(h: Harness, app: string, count = 1): Promise<void> {
  const sql = "select 1 from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'";
  await eventually(
    async () => (await h.raw(sql, [app])).length >= count,
    `${count} backend(s) of ${app} in a lock wait`
  );
}

const schemaOf = (h: Harness) => h.openOptions.schema as string;

describe("postgres: the lease under contention", () => {
  test("a renewal does not wait for a pool slot: every shared connection is stuck in a lock wait", () =>
    withHarness("postgres", async (h) => {
      const { store, app } = await openBusyStore(h, 1);
      try {
        const lease = await lead(store, "node-a");
        // A mode change updates the system-state row; another session holds it, so the one
        // pooled connection waits inside setSystemMode.
        const held = await holdLocks("select id from system_state where id = 1 for update", [], schemaOf(h));
        const pausing = store.setSystemMode("paused", "held");
        await waitForLockWait(h, app);
        const renewed = await store.acquireLease({ scope: SCOPE, holder: "node-a", ttlMs: 30_000 });
        assert.equal(renewed?.term, lease.term, "renewed, same term, while the pool was busy");
        await held.release();
        assert.equal((await pausing).mode, "paused");
      } finally {
        await store.close();
      }
    }));

  test("a renewal does not wait for a run write in flight; the write then lands under the same term", () =>
    withHarness("postgres", async (h) => {
      const { store, app } = await openBusyStore(h, 2);
      try {
        await store.createTask({ title: "t", prompt: "p" });
        const lease = await lead(store, "node-a");
        const [claimed] = await claimAll(store, lease, 1);
        assert.ok(claimed);
        // finishRun reads the run and the lease, then locks the task: held elsewhere, it waits there.
        const held = await holdLocks(
          "select task_id from tasks where task_id = $1 for update",
          [claimed.task.taskId],
          schemaOf(h)
        );
        const finishing = finish(store, lease, claimed.run.runId, "succeeded", "succeeded", false);
        await waitForLockWait(h, app);
        const renewed = await store.acquireLease({ scope: SCOPE, holder: "node-a", ttlMs: 30_000 });
        assert.equal(renewed?.term, lease.term);
        await held.release();
        assert.equal(await finishing, true);
        assert.equal((await store.getTask(claimed.task.taskId))?.state, "succeeded");
      } finally {
        await store.close();
      }
    }));

  test("a takeover that commits inside a run write: the write is ordered first, the new term's cleanup skips its run, later writes are fenced", () =>
    withHarness("postgres", async (h) => {
      const { store, app } = await openBusyStore(h, 3);
      try {
        for (const title of ["t1", "t2"]) await store.createTask({ title, prompt: "p" });
        const old = await lead(store, "node-a");
        const [first, second] = await claimAll(store, old, 2);
        assert.ok(first && second);
        const held = await holdLocks(
          "select task_id from tasks where task_id = $1 for update",
          [first.task.taskId],
          schemaOf(h)
        );
        const finishing = finish(store, old, first.run.runId, "succeeded", "succeeded", false);
        await waitForLockWait(h, app);
        // node-a's lease lapses and node-b takes it while node-a's write is in flight.
        await h.raw("update leases set expires_at = now() - interval '1 second'");
        const next = await lead(store, "node-b");
        assert.equal(next.term, old.term + 1);
        // The cleanup waits for the run row node-a's write holds.
        const abandoning = store.abandonStaleRuns({ scope: SCOPE, holder: "node-b", term: next.term });
        await waitForLockWait(h, app, 2);
        await held.release();
        assert.equal(await finishing, true, "the write that read the old term before the takeover lands");
        const abandoned = await abandoning;
        assert.deepEqual(
          abandoned.map((run) => run.runId),
          [second.run.runId],
          "only the run still running is abandoned"
        );
        assert.equal((await store.getRun(first.run.runId))?.state, "succeeded");
        assert.equal((await store.getTask(first.task.taskId))?.state, "succeeded");
        assert.equal((await store.getTask(second.task.taskId))?.state, "queued");
        // After the takeover every write of the old term changes nothing.
        assert.equal(await finish(store, old, second.run.runId, "succeeded", "succeeded", false), false);
        assert.equal((await store.getRun(second.run.runId))?.state, "abandoned");
      } finally {
        await store.close();
      }
    }));
});
