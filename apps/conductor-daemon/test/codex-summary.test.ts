import assert from "node:assert/strict";
import test from "node:test";
import { closedPort } from "@baa/test-support";
import { startFakeCodexd } from "./helpers/fake-codexd.js";
import { buildApp } from "./helpers/conductor.js";
import { startHungServer } from "./helpers/hung-server.js";
import { watchedTransport } from "./helpers/watched-transport.js";

// Far beyond any test's own timeout: an answer that comes at all did not come from these deadlines.
const NEVER_MS = 600_000;

test("GET /v1/codex summarizes codexd status with the seed's keys", async (t) => {
  const codexd = await startFakeCodexd({
    sessions: [
      { sessionId: "session-1", status: "active" },
      { sessionId: "session-2", status: "closed" },
      { sessionId: "session-3", status: "active" }
    ],
    events: [{ seq: 1 }, { seq: 2 }]
  });
  t.after(() => codexd.close());
  // A trailing slash in the configured base is reported as configured and still joins cleanly.
  const configured = `${codexd.baseUrl}/`;
  const app = buildApp(configured);
  t.after(() => app.close());

  const response = await app.inject({ url: "/v1/codex" });
  assert.equal(response.statusCode, 200);
  const body = response.json();
  assert.equal(body.ok, true);
  assert.deepEqual(Object.keys(body.data).sort(), [
    "backend",
    "child",
    "proxy",
    "recent_events",
    "routes",
    "sessions"
  ]);
  assert.equal(body.data.backend, "independent_codexd");
  assert.deepEqual(body.data.proxy, { target_base_url: configured, reachable: true });
  assert.deepEqual(body.data.sessions, { count: 3, active_count: 2 });
  assert.deepEqual(body.data.recent_events, { count: 2 });
  assert.deepEqual(body.data.child, { status: "running", pid: 43210, restarts: 0 });
  assert.ok(
    body.data.routes.every((route: unknown) => {
      const { method, path } = route as { method: string; path: string };
      return typeof method === "string" && path.startsWith("/v1/codex");
    })
  );
  assert.ok(body.data.routes.some((route: { path: string }) => route.path === "/v1/codex/sessions"));
  assert.doesNotMatch(JSON.stringify(body.data.routes), /\/v1\/codex\/runs/);
  assert.equal(codexd.requests[0]?.url, "/v1/codexd/status");
});

test("summary with codexd down is a quick 503 codexd_unavailable", { timeout: 10_000 }, async (t) => {
  const base = `http://127.0.0.1:${await closedPort()}`;
  // The refusal answers, not a deadline: none could fire within the test's timeout.
  const app = buildApp(base, { codexdConnectTimeoutMs: NEVER_MS, proxyTimeoutMs: NEVER_MS });
  t.after(() => app.close());
  const response = await app.inject({ url: "/v1/codex" });
  assert.equal(response.statusCode, 503);
  assert.deepEqual(response.json(), {
    ok: false,
    error: { code: "codexd_unavailable", message: `codexd is not reachable at ${base}` }
  });
});

test("summary against a hung codexd gives up after the connect timeout with 504", {
  timeout: 10_000
}, async (t) => {
  const codexd = await startHungServer();
  t.after(() => codexd.close());
  // The real transport, watched: which bound each call to codexd is sent with.
  const { sent, transport } = watchedTransport(t, 200);
  // Only the connect timeout is short: the 504 can come from nothing else within the test's timeout.
  const app = buildApp(
    codexd.baseUrl,
    { codexdConnectTimeoutMs: 200, proxyTimeoutMs: NEVER_MS },
    { transport }
  );
  t.after(() => app.close());
  const response = await app.inject({ url: "/v1/codex" });
  assert.equal(response.statusCode, 504);
  assert.equal(response.json().error.code, "codexd_timeout");
  assert.deepEqual(
    sent.map((request) => [request.method, request.path, request.timeoutMs]),
    [["GET", "/v1/codexd/status", 200]],
    "the status call is bounded by the connect timeout"
  );
  assert.deepEqual(codexd.requests, ["GET /v1/codexd/status"]);
  // The conductor let go of the hung request; it was not left open.
  await codexd.abandoned;
});

test("a status document of the wrong shape is 502 codexd_bad_gateway", async (t) => {
  const codexd = await startFakeCodexd({
    routes: { "GET /v1/codexd/status": () => ({ status: 200, body: { ok: true, data: { snapshot: {} } } }) }
  });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const response = await app.inject({ url: "/v1/codex" });
  assert.equal(response.statusCode, 502);
  assert.equal(response.json().error.code, "codexd_bad_gateway");
});
