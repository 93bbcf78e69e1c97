import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { openControlStore, type ControlStore } from "@baa/control-store";
import { installErrorHandling } from "@baa/api-errors";
import { installJsonBodyParser } from "@baa/http-server";
import { EventLog } from "@baa/event-log";
import { WriteHealth } from "@baa/state-files";
import fastifyWebsocket from "@fastify/websocket";
import { fastify, type FastifyInstance } from "fastify";
import { createSilentLogger } from "../../src/logger.js";
import { systemClockTimers } from "@baa/clock";
import { makeTempDir } from "@baa/test-support";
import { guardStore } from "../../src/store/guarded-store.js";
import { installStoreErrorMapping } from "../../src/store/store-error-mapping.js";
import { registerTaskRoutes } from "../../src/tasks/task-routes.js";

// The routes over the real SQLite store; the scheduler is a recorder.
async function setup(options: { maxQueued?: number } = {}) {
  const dir = makeTempDir("task-routes-");
  const raw = await openControlStore({ stateDir: dir.root });
  const store: ControlStore = guardStore(raw, { timers: systemClockTimers, deadlineMs: 5000 });
  const events = new EventLog({
    logPath: join(dir.root, "events.jsonl"),
    recentPath: join(dir.root, "recent.json"),
    limit: 100,
    now: Date.now,
    health: new WriteHealth({ logger: createSilentLogger() })
  });
  const calls: string[] = [];
  const app = fastify({}) as unknown as FastifyInstance;
  installErrorHandling(app);
  installJsonBodyParser(app);
  await app.register(fastifyWebsocket);
  // As in the app: the store mapping wraps the root's error handler from a child scope (in the
  // same scope it would override it, and Fastify warns FSTWRN004).
  await app.register(async (scope) => {
    installStoreErrorMapping(scope);
    registerTaskRoutes(scope, {
      store,
      events,
      maxQueuedTasks: options.maxQueued ?? 100,
      scheduler: {
        wake: () => void calls.push("wake"),
        cancel: (taskId) => (calls.push(`cancel ${taskId}`), true)
      }
    });
  });
  await app.ready();
  const call = async (
    method: "GET" | "POST",
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {}
  ) => {
    const res = await app.inject({
      method,
      url,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object })
    });
    return { status: res.statusCode, body: res.json(), headers: res.headers };
  };
  return {
    app,
    store,
    raw,
    events,
    calls,
    call,
    async close() {
      await app.close();
      await events.close();
      await raw.close().catch(() => {});
      dir.remove();
    }
  };
}

test("create, read, list; the idempotency key returns the first task; the scheduler is woken", async () => {
  const s = await setup();
  try {
    const created = await s.call(
      "POST",
      "/v1/tasks",
      { title: "t", prompt: "p", priority: 3 },
      { "idempotency-key": "k" }
    );
    assert.equal(created.status, 201);
    const task = created.body.data.task;
    assert.equal(task.state, "queued");
    assert.equal(task.priority, 3);
    assert.deepEqual(s.calls, ["wake"]);
    const again = await s.call(
      "POST",
      "/v1/tasks",
      { title: "other", prompt: "p" },
      { "idempotency-key": "k" }
    );
    assert.equal(again.status, 200);
    assert.equal(again.body.data.task.taskId, task.taskId);
    assert.equal(again.body.data.created, false);
    assert.deepEqual(s.calls, ["wake"], "no wake for a repeated key");
    assert.equal((await s.call("GET", `/v1/tasks/${task.taskId}`)).body.data.task.title, "t");
    const list = await s.call("GET", "/v1/tasks?state=queued&limit=10");
    assert.deepEqual(
      list.body.data.tasks.map((t: { taskId: string }) => t.taskId),
      [task.taskId]
    );
    assert.deepEqual((await s.call("GET", `/v1/tasks/${task.taskId}/runs`)).body.data.runs, []);
  } finally {
    await s.close();
  }
});

test("400 names the field; 404 for unknown ids; 409 for a cancel of an ended task and a retry of a live one", async () => {
  const s = await setup();
  try {
    const cases: [unknown, RegExp][] = [
      [{ prompt: "p" }, /title/],
      [{ title: "t", prompt: "p", maxAttempts: 0 }, /maxAttempts/],
      [{ title: "t", prompt: "p", notBefore: "tomorrow" }, /notBefore/],
      [{ title: "t", prompt: "p", workspace: "cloud" }, /workspace/],
      [{ title: "t", prompt: "p", dependsOn: ["task-unknown"] }, /dependsOn.*task-unknown/],
      [{ title: "t", prompt: "p", sandbox: "none" }, /sandbox/],
      [{ title: "t", prompt: "p", model: " \t" }, /model/]
    ];
    for (const [body, field] of cases) {
      const res = await s.call("POST", "/v1/tasks", body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error.code, "validation_failed");
      assert.match(res.body.error.message, field);
    }
    assert.equal((await s.call("GET", "/v1/tasks?limit=0")).status, 400);
    assert.equal((await s.call("GET", "/v1/tasks?cursor=garbage")).status, 400);
    for (const url of [
      "/v1/tasks/task-x",
      "/v1/tasks/task-x/runs",
      "/v1/runs/run-x",
      "/v1/runs/run-x/events"
    ]) {
      const res = await s.call("GET", url);
      assert.equal(res.status, 404, url);
    }
    assert.equal((await s.call("POST", "/v1/tasks/task-x/retry", {})).body.error.code, "task_not_found");

    const task = (await s.call("POST", "/v1/tasks", { title: "t", prompt: "p" })).body.data.task;
    const retryLive = await s.call("POST", `/v1/tasks/${task.taskId}/retry`, {});
    assert.equal(retryLive.status, 409);
    assert.equal(retryLive.body.error.code, "task_not_retryable");
    const cancel = await s.call("POST", `/v1/tasks/${task.taskId}/cancel`, { reason: "no longer needed" });
    assert.equal(cancel.status, 200, "a queued task is cancelled at once");
    assert.equal(cancel.body.data.task.state, "cancelled");
    const twice = await s.call("POST", `/v1/tasks/${task.taskId}/cancel`, {});
    assert.equal(twice.status, 409);
    assert.equal(twice.body.error.code, "task_ended");
    const retried = await s.call("POST", `/v1/tasks/${task.taskId}/retry`, {});
    assert.equal(retried.status, 200);
    assert.equal(retried.body.data.task.state, "queued");
  } finally {
    await s.close();
  }
});

test("a full queue is 429 with Retry-After; a store that is down is 503 store_unavailable", async () => {
  const s = await setup({ maxQueued: 1 });
  try {
    assert.equal((await s.call("POST", "/v1/tasks", { title: "a", prompt: "p" })).status, 201);
    const full = await s.call("POST", "/v1/tasks", { title: "b", prompt: "p" });
    assert.equal(full.status, 429);
    assert.equal(full.body.error.code, "queue_full");
    assert.ok(Number(full.headers["retry-after"]) > 0);
    await s.raw.close();
    const down = await s.call("GET", "/v1/tasks");
    assert.equal(down.status, 503);
    assert.equal(down.body.error.code, "store_unavailable");
    assert.equal(
      (await s.call("POST", "/v1/tasks", { title: "c", prompt: "p" })).body.error.code,
      "store_unavailable"
    );
  } finally {
    await s.close();
  }
});

test("run events are paged by run; a task's events are filtered by task", async () => {
  const s = await setup();
  try {
    const task = (await s.call("POST", "/v1/tasks", { title: "t", prompt: "p" })).body.data.task;
    const [claim] = await s.store.claimTasks({
      scope: "scheduler",
      holder: "n",
      term: (await s.store.acquireLease({ scope: "scheduler", holder: "n", ttlMs: 60_000 }))!.term,
      limit: 1
    });
    assert.ok(claim);
    for (let i = 0; i < 5; i += 1)
      s.events.record({ type: `e${i}`, taskId: task.taskId, runId: claim.run.runId });
    s.events.record({ type: "other", taskId: "task-other", runId: "run-other" });
    const first = await s.call("GET", `/v1/runs/${claim.run.runId}/events?limit=2`);
    assert.deepEqual(
      first.body.data.events.map((e: { type: string }) => e.type),
      ["e0", "e1"]
    );
    const rest = await s.call("GET", `/v1/runs/${claim.run.runId}/events?after=${first.body.data.nextAfter}`);
    assert.deepEqual(
      rest.body.data.events.map((e: { type: string }) => e.type),
      ["e2", "e3", "e4"]
    );
    assert.equal(rest.body.data.nextAfter, null);
    const run = await s.call("GET", `/v1/runs/${claim.run.runId}`);
    assert.equal(run.body.data.run.state, "running");
    assert.equal(run.body.data.events.length, 5);
    const cancel = await s.call("POST", `/v1/tasks/${task.taskId}/cancel`, {});
    assert.equal(cancel.status, 202, "a running task's cancel is a request");
    assert.ok(s.calls.includes(`cancel ${task.taskId}`), "the local scheduler was told");
  } finally {
    await s.close();
  }
});
