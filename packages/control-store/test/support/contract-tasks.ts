import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  InvalidCursorError,
  openControlStore,
  QueueFullError,
  UnknownDependencyError,
  type ControlStore
} from "../../src/index.js";
import { withHarness, type EngineKind } from "./harness.js";
import { claimAll, finish, lead } from "./steps.js";

/** Tasks: create, read, list, idempotency, the queue limit, cancel and retry. */
export function taskContract(kind: EngineKind): void {
  describe(`${kind}: tasks`, () => {
    test("create stores every field with defaults and reads back", () =>
      withHarness(kind, async ({ store }) => {
        const { task, created } = await store.createTask({ title: "t", prompt: "do it" });
        assert.equal(created, true);
        assert.match(task.taskId, /^task-/);
        assert.equal(task.state, "queued");
        assert.equal(task.priority, 0);
        assert.equal(task.maxAttempts, 3);
        assert.deepEqual(task.dependsOn, []);
        assert.equal(task.cancelRequested, false);
        assert.equal(task.attemptsSpent, 0);
        assert.equal(task.runCount, 0);
        const full = await store.createTask({
          title: "full",
          prompt: "p",
          cwd: "/repo",
          model: "gpt-test",
          priority: 7,
          maxAttempts: 5,
          timeoutMs: 3_000_000_000,
          stallTimeoutMs: 60_000,
          dependsOn: [task.taskId],
          notBefore: "2031-05-01T10:00:00+02:00",
          approvalPolicy: "on-request",
          sandbox: "workspace-write",
          workspace: "worktree"
        });
        const read = await store.getTask(full.task.taskId);
        assert.deepEqual(read, full.task);
        assert.equal(read?.notBefore, "2031-05-01T08:00:00.000Z");
        assert.equal(read?.timeoutMs, 3_000_000_000);
        assert.deepEqual(read?.dependsOn, [task.taskId]);
        assert.equal(read?.state, "blocked");
        assert.equal(await store.getTask("task-none"), undefined);
      }));

    test("list is newest first, filters by state, and its cursor survives new inserts", () =>
      withHarness(kind, async ({ store }) => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i += 1)
          ids.push((await store.createTask({ title: `t${i}`, prompt: "p" })).task.taskId);
        const first = await store.listTasks({ limit: 2 });
        assert.deepEqual(
          first.tasks.map((t) => t.taskId),
          [ids[4], ids[3]]
        );
        assert.ok(first.nextCursor);
        await store.createTask({ title: "late", prompt: "p" });
        const second = await store.listTasks({ limit: 2, cursor: first.nextCursor });
        assert.deepEqual(
          second.tasks.map((t) => t.taskId),
          [ids[2], ids[1]]
        );
        const third = await store.listTasks({ limit: 2, cursor: second.nextCursor ?? undefined });
        assert.deepEqual(
          third.tasks.map((t) => t.taskId),
          [ids[0]]
        );
        assert.equal(third.nextCursor, null);
        await store.requestCancel(ids[1] as string);
        const cancelled = await store.listTasks({ state: "cancelled", limit: 10 });
        assert.deepEqual(
          cancelled.tasks.map((t) => t.taskId),
          [ids[1]]
        );
        await assert.rejects(store.listTasks({ limit: 2, cursor: "bm9wZQ" }), InvalidCursorError);
        const counts = await store.countTasksByState();
        assert.equal(counts.queued, 5);
        assert.equal(counts.cancelled, 1);
        assert.equal(counts.running, 0);
      }));

    test("an idempotency key returns the first task, even when sent at once", () =>
      withHarness(kind, async ({ store }) => {
        const results = await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            store.createTask({ title: `t${i}`, prompt: "p" }, { idempotencyKey: "same" })
          )
        );
        const ids = new Set(results.map((r) => r.task.taskId));
        assert.equal(ids.size, 1);
        assert.equal(results.filter((r) => r.created).length, 1);
        const other = await store.createTask({ title: "o", prompt: "p" }, { idempotencyKey: "other" });
        assert.equal(other.created, true);
        assert.equal((await store.countTasksByState()).queued, 2);
      }));

    test("the queue limit counts waiting tasks only, and a replayed key still answers", () =>
      withHarness(kind, async ({ store }) => {
        await store.createTask({ title: "a", prompt: "p" }, { idempotencyKey: "a", maxQueued: 2 });
        await store.createTask(
          { title: "b", prompt: "p", notBefore: "2099-01-01T00:00:00Z" },
          { maxQueued: 2 }
        );
        const full = await store.createTask({ title: "c", prompt: "p" }, { maxQueued: 2 }).then(
          () => undefined,
          (error: unknown) => error
        );
        assert.ok(full instanceof QueueFullError);
        assert.equal(full.limit, 2);
        const replay = await store.createTask(
          { title: "a", prompt: "p" },
          { idempotencyKey: "a", maxQueued: 2 }
        );
        assert.equal(replay.created, false);
        const l = await lead(store, "n1");
        assert.equal((await claimAll(store, l, 1)).length, 1);
        assert.equal((await store.createTask({ title: "c", prompt: "p" }, { maxQueued: 2 })).created, true);
      }));

    test("a burst of creates with one key, over several stores, makes one task and its dependency rows once", () =>
      withHarness(kind, async (h) => {
        // PostgreSQL: three nodes' stores racing; SQLite: one store (one node writes its file).
        const others =
          kind === "postgres"
            ? await Promise.all([1, 2].map(() => openControlStore({ ...h.openOptions, migrate: false })))
            : [];
        try {
          const stores = [h.store, ...others];
          const dep = (await h.store.createTask({ title: "dep", prompt: "p" })).task;
          const burst = (options: { idempotencyKey?: string; externalKey?: string }) =>
            Promise.all(
              Array.from({ length: 12 }, (_, i) =>
                (stores[i % stores.length] as ControlStore).createTask(
                  { title: `t${i}`, prompt: "p", dependsOn: [dep.taskId] },
                  { ...options, maxQueued: 100 }
                )
              )
            );
          for (const [column, options] of [
            ["idempotency_key", { idempotencyKey: "burst" }],
            ["external_key", { externalKey: "github:acme/widgets#1" }]
          ] as const) {
            const results = await burst(options);
            assert.equal(results.filter((r) => r.created).length, 1, column);
            const winner = results.find((r) => r.created)?.task;
            assert.ok(winner);
            assert.deepEqual(new Set(results.map((r) => r.task.taskId)), new Set([winner.taskId]), column);
            for (const r of results) assert.deepEqual(r.task, winner);
            const key = column === "idempotency_key" ? options.idempotencyKey : options.externalKey;
            const rows = await h.raw(`select task_id from tasks where ${column} = $1`, [key]);
            assert.equal(rows.length, 1, column);
            const deps = await h.raw<{ task_id: string; depends_on: string }>(
              "select task_id, depends_on from task_dependencies where task_id = $1",
              [winner.taskId]
            );
            assert.deepEqual(deps, [{ task_id: winner.taskId, depends_on: dep.taskId }]);
          }
          assert.equal((await h.raw("select task_id from tasks")).length, 3);
          assert.equal((await h.raw("select task_id from task_dependencies")).length, 2);
        } finally {
          for (const other of others) await other.close();
        }
      }));

    test("the soft queue limit still refuses sequential creates once full, keyed or not", () =>
      withHarness(kind, async ({ store }) => {
        const limit = { maxQueued: 3 };
        const keyed = await store.createTask({ title: "k", prompt: "p" }, { idempotencyKey: "k1", ...limit });
        const external = await store.createTask(
          { title: "e", prompt: "p" },
          { externalKey: "ext:1", ...limit }
        );
        await store.createTask({ title: "plain", prompt: "p" }, limit);
        for (const options of [{ idempotencyKey: "k2" }, { externalKey: "ext:2" }, {}]) {
          await assert.rejects(
            store.createTask({ title: "over", prompt: "p" }, { ...options, ...limit }),
            (error: unknown) => error instanceof QueueFullError && error.limit === 3
          );
        }
        assert.equal((await store.listTasks({ limit: 10 })).tasks.length, 3);
        const replays = [
          await store.createTask({ title: "k again", prompt: "p" }, { idempotencyKey: "k1", ...limit }),
          await store.createTask({ title: "e again", prompt: "p" }, { externalKey: "ext:1", ...limit })
        ];
        assert.deepEqual(
          replays.map((r) => [r.created, r.task.taskId]),
          [
            [false, keyed.task.taskId],
            [false, external.task.taskId]
          ]
        );
      }));

    test("a bad field is the caller's TypeError naming it, not a store failure", () =>
      withHarness(kind, async ({ store }) => {
        const bad: Array<[Record<string, unknown>, RegExp]> = [
          [{ title: "", prompt: "p" }, /title/],
          [{ title: "t", prompt: "p", maxAttempts: 0 }, /maxAttempts/],
          [{ title: "t", prompt: "p", priority: 1.5 }, /priority/],
          [{ title: "t", prompt: "p", timeoutMs: -1 }, /timeoutMs/],
          [{ title: "t", prompt: "p", notBefore: "tomorrow" }, /notBefore/],
          [{ title: "t", prompt: "p", workspace: "elsewhere" }, /workspace/]
        ];
        for (const [input, field] of bad) {
          await assert.rejects(
            store.createTask(input as never),
            (error: unknown) => error instanceof TypeError && field.test(error.message)
          );
        }
        assert.equal((await store.listTasks({ limit: 10 })).tasks.length, 0);
      }));

    test("dependsOn must name known tasks", () =>
      withHarness(kind, async ({ store }) => {
        const { task } = await store.createTask({ title: "a", prompt: "p" });
        const error = await store
          .createTask({ title: "b", prompt: "p", dependsOn: [task.taskId, "task-ghost"] })
          .then(
            () => undefined,
            (e: unknown) => e
          );
        assert.ok(error instanceof UnknownDependencyError);
        assert.deepEqual(error.taskIds, ["task-ghost"]);
        assert.equal((await store.listTasks({ limit: 10 })).tasks.length, 1);
      }));

    test("cancel: waiting tasks end at once, a running one gets the flag, an ended one refuses", () =>
      withHarness(kind, async ({ store }) => {
        assert.equal(await store.requestCancel("task-none"), undefined);
        const queued = (await store.createTask({ title: "q", prompt: "p", priority: 1 })).task;
        const blocked = (
          await store.createTask({ title: "b", prompt: "p", notBefore: "2099-01-01T00:00:00Z" })
        ).task;
        const runner = (await store.createTask({ title: "r", prompt: "p", priority: 5 })).task;
        const l = await lead(store, "n1");
        const [claim] = await claimAll(store, l, 1);
        assert.equal(claim?.task.taskId, runner.taskId);

        const q = await store.requestCancel(queued.taskId, "not needed");
        assert.equal(q?.outcome, "cancelled");
        assert.equal(q?.task.state, "cancelled");
        assert.equal(q?.task.stateReason, "not needed");
        assert.ok(q?.task.endedAt);
        assert.equal((await store.requestCancel(blocked.taskId))?.outcome, "cancelled");

        const r = await store.requestCancel(runner.taskId);
        assert.equal(r?.outcome, "requested");
        assert.equal(r?.task.state, "running");
        assert.equal(r?.task.cancelRequested, true);
        // The owner ends the run; a retry it asked for loses to the cancel request.
        assert.equal(await finish(store, l, claim!.run.runId, "failed", "queued", true), true);
        const after = await store.getTask(runner.taskId);
        assert.equal(after?.state, "cancelled");
        assert.equal((await store.requestCancel(runner.taskId))?.outcome, "already_ended");
        assert.deepEqual(await claimAll(store, l, 5), []);
      }));

    test("retry queues an ended task again with attempts reset; the attempt number keeps growing", () =>
      withHarness(kind, async ({ store }) => {
        assert.equal(await store.retryTask("task-none"), undefined);
        const { task } = await store.createTask({ title: "t", prompt: "p", maxAttempts: 1 });
        assert.equal(await store.retryTask(task.taskId), null);
        const l = await lead(store, "n1");
        const [first] = await claimAll(store, l, 1);
        await finish(store, l, first!.run.runId, "failed", "queued", true);
        const failed = await store.getTask(task.taskId);
        assert.equal(failed?.state, "failed");
        assert.equal(failed?.attemptsSpent, 1);
        const retried = await store.retryTask(task.taskId);
        assert.equal(retried?.state, "queued");
        assert.equal(retried?.attemptsSpent, 0);
        assert.equal(retried?.endedAt, null);
        assert.equal(retried?.runCount, 1);
        const [second] = await claimAll(store, l, 1);
        assert.equal(second?.run.attempt, 2);
        await finish(store, l, second!.run.runId, "succeeded", "succeeded", false);
        assert.equal(await store.retryTask(task.taskId), null);
      }));
  });
}

export type { ControlStore };
