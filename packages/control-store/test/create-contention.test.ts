// Creates do not serialize on the system-state row (PostgreSQL): another session holding it
// (a mode change, a claim promoting blocked tasks) does not hold off a create of any kind.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import pg from "pg";
import { TEST_DATABASE_URL, withHarness } from "./support/harness.js";

describe("postgres: creates beside a held system-state row", () => {
  test("plain, keyed, external, dependent and limited creates complete while another session holds the row", () =>
    withHarness("postgres", async (h) => {
      const dep = (await h.store.createTask({ title: "dep", prompt: "p" })).task;
      const blocker = new pg.Client({
        connectionString: TEST_DATABASE_URL,
        options: `-c search_path=${h.openOptions.schema as string}`
      });
      await blocker.connect();
      try {
        await blocker.query("begin");
        const held = await blocker.query("select id from system_state where id = 1 for update");
        assert.equal(held.rowCount, 1);
        // Each call would wait on the row (and fail at the statement timeout) if creates took it.
        const plain = await h.store.createTask({ title: "plain", prompt: "p" });
        const keyed = await h.store.createTask(
          { title: "keyed", prompt: "p", dependsOn: [dep.taskId] },
          { idempotencyKey: "held", maxQueued: 10 }
        );
        const external = await h.store.createTask(
          { title: "external", prompt: "p" },
          { externalKey: "github:acme/widgets#3", maxQueued: 10 }
        );
        const replay = await h.store.createTask({ title: "again", prompt: "p" }, { idempotencyKey: "held" });
        const racing = await Promise.all(
          [1, 2, 3, 4].map((n) =>
            h.store.createTask({ title: `race ${n}`, prompt: "p" }, { idempotencyKey: "race" })
          )
        );
        assert.deepEqual(
          [plain.created, keyed.created, external.created, replay.created],
          [true, true, true, false]
        );
        assert.equal(replay.task.taskId, keyed.task.taskId);
        assert.equal(keyed.task.state, "blocked", "its dependency has not run");
        assert.deepEqual(keyed.task.dependsOn, [dep.taskId]);
        assert.equal(racing.filter((r) => r.created).length, 1);
        assert.equal(new Set(racing.map((r) => r.task.taskId)).size, 1);
        // The row was held throughout: the blocker still owns its transaction.
        assert.equal((await blocker.query("select mode from system_state where id = 1")).rowCount, 1);
      } finally {
        await blocker.query("rollback");
        await blocker.end();
      }
      const counts = await h.store.countTasksByState();
      assert.deepEqual([counts.queued, counts.blocked], [4, 1]);
    }));
});
