import assert from "node:assert/strict";
import test from "node:test";
import { installErrorHandling } from "@baa/api-errors";
import { installJsonBodyParser } from "@baa/http-server";
import type { NodeRecord, RunRecord } from "@baa/control-store";
import { fastify, type FastifyInstance } from "fastify";
import { installRunForwarding } from "../../src/forwarding/forward-routes.js";
import { NodeForwarder } from "../../src/forwarding/node-forwarder.js";
import { RunOwners } from "../../src/forwarding/run-owners.js";
import { createSilentLogger } from "../../src/logger.js";
import { nodeRow, startFakeOwner } from "./fake-owner.js";

const run = (
  runId: string,
  taskId: string,
  owner: string,
  attempt: number,
  workspace: "worktree" | "scratch" | null = "worktree"
) =>
  ({
    runId,
    taskId,
    owner,
    attempt,
    state: "succeeded",
    workspace: workspace === null ? null : { kind: workspace }
  }) as unknown as RunRecord;

// Node-a is this node; node-b is up at a fake owner server; node-c is down.
async function setup(t: test.TestContext) {
  const owner = await startFakeOwner((request, response) => {
    response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
    response.end(
      JSON.stringify({
        ok: true,
        data: {
          answeredBy: "node-b",
          url: request.url,
          body: request.body === "" ? null : JSON.parse(request.body)
        }
      })
    );
  });
  t.after(() => owner.close());
  const runs = [
    run("run-a1", "task-1", "node-a", 1),
    run("run-b2", "task-1", "node-b", 2),
    run("run-s3", "task-1", "node-c", 3, "scratch"),
    run("run-c1", "task-2", "node-c", 1)
  ];
  const nodes: NodeRecord[] = [
    nodeRow("node-a", "http://127.0.0.1:1"),
    nodeRow("node-b", owner.base),
    nodeRow("node-c", "http://127.0.0.1:1", "down")
  ];
  const store = {
    getRun: async (runId: string) => runs.find((r) => r.runId === runId),
    listRuns: async (taskId: string) => runs.filter((r) => r.taskId === taskId),
    listNodes: async () => nodes
  };
  const app = fastify() as unknown as FastifyInstance;
  installErrorHandling(app);
  installJsonBodyParser(app);
  await app.register(async (scope) => {
    installRunForwarding(scope, {
      forwarder: new NodeForwarder({
        nodeId: "node-a",
        token: "t".repeat(64),
        nodes: store,
        timeoutMs: 20_000,
        logger: createSilentLogger()
      }),
      owners: new RunOwners(store)
    });
    const local = async (request: { url: string }) => ({
      ok: true,
      data: { answeredBy: "node-a", url: request.url }
    });
    scope.get("/v1/runs/:run_id", local);
    scope.get("/v1/runs/:run_id/events", local);
    scope.get("/v1/runs/:run_id/files/:name", local);
    scope.get("/v1/tasks/:task_id/diff", local);
    scope.get("/v1/tasks/:task_id", local);
    scope.post("/v1/tasks/:task_id/revise", local);
    scope.post("/v1/tasks/:task_id/land", local);
  });
  await app.ready();
  t.after(() => app.close());
  const call = async (
    method: "GET" | "POST",
    url: string,
    payload?: object,
    headers: Record<string, string> = {}
  ) => {
    const res = await app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload }) });
    return { status: res.statusCode, body: res.json() };
  };
  return { call, owner };
}

test("a run's routes are answered by its owner: forwarded with the query when it is another node, here when it is this one", async (t) => {
  const { call, owner } = await setup(t);
  const remote = await call("GET", "/v1/runs/run-b2/events?after=4&limit=2");
  assert.equal(remote.status, 200);
  assert.deepEqual(remote.body.data, {
    answeredBy: "node-b",
    url: "/v1/runs/run-b2/events?after=4&limit=2",
    body: null
  });
  assert.equal((await call("GET", "/v1/runs/run-b2/files/meta.json")).body.data.answeredBy, "node-b");
  assert.equal((await call("GET", "/v1/runs/run-a1")).body.data.answeredBy, "node-a");
  // An unknown run is the route's own answer (its 404), here.
  assert.equal((await call("GET", "/v1/runs/run-nope")).body.data.answeredBy, "node-a");
  // Routes not in the table are never forwarded.
  assert.equal((await call("GET", "/v1/tasks/task-1")).body.data.answeredBy, "node-a");
  assert.equal(owner.seen.length, 2);
});

test("a run whose owner is down answers 503 node_unavailable naming it", async (t) => {
  const { call } = await setup(t);
  const down = await call("GET", "/v1/runs/run-c1");
  assert.equal(down.status, 503);
  assert.equal(down.body.error.code, "node_unavailable");
  assert.match(down.body.error.message, /^run run-c1 is owned by node node-c, which is down \(last seen /);
});

test("review routes go to the owner of the task's latest worktree run; a revise only when it carries line comments", async (t) => {
  const { call } = await setup(t);
  // task-1: run-s3 (scratch, node-c, down) is later but made no worktree; run-b2 did.
  assert.equal((await call("GET", "/v1/tasks/task-1/diff?format=patch")).body.data.answeredBy, "node-b");
  const land = await call("POST", "/v1/tasks/task-1/land", { method: "merge" });
  assert.deepEqual(land.body.data.body, { method: "merge" });
  assert.equal(
    (await call("POST", "/v1/tasks/task-1/revise", { comment: "again" })).body.data.answeredBy,
    "node-a"
  );
  const quoted = await call("POST", "/v1/tasks/task-1/revise", {
    comments: [{ path: "a", line: 1, side: "new", body: "x" }]
  });
  assert.equal(quoted.body.data.answeredBy, "node-b");
  const down = await call("GET", "/v1/tasks/task-2/diff");
  assert.equal(down.status, 503);
  assert.match(
    down.body.error.message,
    /^task task-2's worktree \(run run-c1\) is on node node-c, which is down/
  );
});

test("a request another node forwarded is answered here when this node owns it, refused (508) when it does not", async (t) => {
  const { call, owner } = await setup(t);
  const mark = { "x-baa-forwarded-by": "node-b" };
  assert.equal((await call("GET", "/v1/runs/run-a1", undefined, mark)).body.data.answeredBy, "node-a");
  const loop = await call("GET", "/v1/runs/run-b2", undefined, mark);
  assert.equal(loop.status, 508);
  assert.equal(loop.body.error.code, "forward_loop");
  assert.equal(owner.seen.length, 0);
});
