import assert from "node:assert/strict";
import test from "node:test";
import { isAppError } from "@baa/api-errors";
import type { Timers } from "@baa/clock";
import { ManualTimers } from "@baa/clock/testing";
import type { NodeRecord } from "@baa/control-store";
import { closedPort, eventually } from "@baa/test-support";
import { NodeForwarder } from "../../src/forwarding/node-forwarder.js";
import { createSilentLogger } from "../../src/logger.js";
import { nodeRow, startFakeOwner } from "./fake-owner.js";

const TOKEN = "t".repeat(64);

function forwarder(nodes: NodeRecord[], timeoutMs = 20_000, timers?: Timers) {
  return new NodeForwarder({
    nodeId: "node-a",
    token: TOKEN,
    nodes: { listNodes: async () => nodes },
    timeoutMs,
    logger: createSilentLogger(),
    ...(timers === undefined ? {} : { timers })
  });
}

async function refusal(
  promise: Promise<unknown>
): Promise<{ code: string; status: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isAppError(error), `an AppError, got ${String(error)}`);
    return { code: error.code, status: error.status, message: error.message };
  }
  assert.fail("expected a refusal");
}

test("the owner's status, type and body pass through unchanged; it gets the token, the mark, the method, path and JSON body", async (t) => {
  const owner = await startFakeOwner((_request, response) => {
    response.writeHead(409, {
      "content-type": "application/json; charset=utf-8",
      "retry-after": "3",
      "x-private": "no"
    });
    response.end(
      JSON.stringify({ ok: false, error: { code: "task_not_landable", message: "not from here" } })
    );
  });
  t.after(() => owner.close());
  const forwarded = await forwarder([nodeRow("node-b", owner.base)]).forward(
    "node-b",
    "task task-1's worktree is on",
    {
      method: "POST",
      url: "/v1/tasks/task-1/land?x=1",
      body: { method: "merge" }
    }
  );
  assert.equal(forwarded.status, 409);
  assert.deepEqual(forwarded.headers, {
    "content-type": "application/json; charset=utf-8",
    "retry-after": "3"
  });
  assert.deepEqual(JSON.parse(forwarded.body.toString("utf8")), {
    ok: false,
    error: { code: "task_not_landable", message: "not from here" }
  });
  const [seen] = owner.seen;
  assert.equal(seen?.method, "POST");
  assert.equal(seen?.url, "/v1/tasks/task-1/land?x=1");
  assert.equal(seen?.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(seen?.headers["x-baa-forwarded-by"], "node-a");
  assert.equal(seen?.headers["content-type"], "application/json");
  assert.deepEqual(JSON.parse(seen?.body ?? ""), { method: "merge" });
});

test("a GET carries no body, and a non-JSON answer (a patch) comes back byte for byte", async (t) => {
  const patch = "diff --git a/x b/x\n+é\n";
  const owner = await startFakeOwner((_request, response) => {
    response.writeHead(200, { "content-type": "text/x-diff; charset=utf-8" });
    response.end(patch);
  });
  t.after(() => owner.close());
  const forwarded = await forwarder([nodeRow("node-b", `${owner.base}/`)]).forward(
    "node-b",
    "run run-1 is owned by",
    { method: "GET", url: "/v1/runs/run-1/files/diff.patch" }
  );
  assert.equal(forwarded.status, 200);
  assert.equal(forwarded.body.toString("utf8"), patch);
  assert.equal(owner.seen[0]?.body, "");
  assert.equal(owner.seen[0]?.headers["content-type"], undefined);
  assert.equal(
    owner.seen[0]?.url,
    "/v1/runs/run-1/files/diff.patch",
    "a trailing slash of the address is not doubled"
  );
});

test("a node that is down is a 503 node_unavailable naming it and when it was last seen; nothing is sent", async (t) => {
  const owner = await startFakeOwner((_request, response) => response.end("{}"));
  t.after(() => owner.close());
  const down = await refusal(
    forwarder([nodeRow("node-b", owner.base, "down")]).forward("node-b", "run run-7 is owned by", {
      method: "GET",
      url: "/v1/runs/run-7"
    })
  );
  assert.equal(down.status, 503);
  assert.equal(down.code, "node_unavailable");
  assert.equal(
    down.message,
    "run run-7 is owned by node node-b, which is down (last seen 2026-01-01T00:00:05.000Z); its answer cannot be read from here"
  );
  assert.equal(owner.seen.length, 0);
});

test("a draining node still answers: its runs finish there", async (t) => {
  const owner = await startFakeOwner((_request, response) => response.end('{"ok":true}'));
  t.after(() => owner.close());
  const forwarded = await forwarder([nodeRow("node-b", owner.base, "draining")]).forward(
    "node-b",
    "run run-1 is owned by",
    { method: "GET", url: "/v1/runs/run-1" }
  );
  assert.equal(forwarded.status, 200);
});

test("an unknown node or one without an address is a 503 naming it", async () => {
  const unknown = await refusal(
    forwarder([]).forward("node-z", "run run-1 is owned by", { method: "GET", url: "/v1/runs/run-1" })
  );
  assert.equal(unknown.code, "node_unavailable");
  assert.match(unknown.message, /node node-z, which has no heartbeat/);
  const noAddress = await refusal(
    forwarder([nodeRow("node-b", null)]).forward("node-b", "run run-1 is owned by", {
      method: "GET",
      url: "/v1/runs/run-1"
    })
  );
  assert.equal(noAddress.code, "node_unavailable");
  assert.match(noAddress.message, /node node-b, which registered no address \(BAA_NODE_ADDRESS\)/);
});

test("a request that was forwarded already is refused (508 forward_loop), never sent on", async (t) => {
  const owner = await startFakeOwner((_request, response) => response.end("{}"));
  t.after(() => owner.close());
  const loop = await refusal(
    forwarder([nodeRow("node-b", owner.base)]).forward("node-b", "run run-1 is owned by", {
      method: "GET",
      url: "/v1/runs/run-1",
      forwardedBy: "node-c"
    })
  );
  assert.equal(loop.status, 508);
  assert.equal(loop.code, "forward_loop");
  assert.match(loop.message, /forwarded here by node node-c/);
  assert.equal(owner.seen.length, 0);
});

test("an owner that does not answer in time is a 503 node_unavailable when the timeout fires", async (t) => {
  let connectionClosed!: () => void;
  const abandoned = new Promise<void>((resolve) => {
    connectionClosed = resolve;
  });
  const owner = await startFakeOwner((_request, response) => {
    // Never answers; sees the forwarder let go of the connection.
    response.on("close", () => connectionClosed());
  });
  t.after(() => owner.close());
  const timers = new ManualTimers();
  let settled = false;
  const late = refusal(
    forwarder([nodeRow("node-b", owner.base)], 200, timers).forward("node-b", "run run-1 is owned by", {
      method: "GET",
      url: "/v1/runs/run-1"
    })
  ).finally(() => {
    settled = true;
  });
  await eventually(() => owner.seen.length === 1, "the request to reach the owner");
  assert.deepEqual(timers.scheduled(), [200], "the whole exchange is bounded by the timeout");
  await timers.advance(199);
  assert.equal(settled, false, "nothing gives up before the timeout");
  // Bounded by the timeout, not by the owner (which never answers).
  await timers.advance(1);
  const refused = await late;
  assert.equal(refused.code, "node_unavailable");
  assert.match(
    refused.message,
    new RegExp(`node node-b at ${owner.base}, which did not answer within 200 ms`)
  );
  await abandoned;
  assert.equal(timers.pendingCount, 0);
});

test("an address nothing listens on is a 503 node_unavailable saying why", async () => {
  const port = await closedPort();
  const gone = await refusal(
    forwarder([nodeRow("node-b", `http://127.0.0.1:${port}`)]).forward("node-b", "run run-1 is owned by", {
      method: "GET",
      url: "/v1/runs/run-1"
    })
  );
  assert.equal(gone.code, "node_unavailable");
  assert.match(gone.message, /could not be reached \(ECONNREFUSED\)/);
});
