import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import test from "node:test";
import { closedPort, tempDir } from "@baa/test-support";
import { startFakeCodexd, type FakeReply } from "./helpers/fake-codexd.js";
import { buildApp, startConductor } from "./helpers/conductor.js";
import { startHungServer } from "./helpers/hung-server.js";
import { watchedTransport } from "./helpers/watched-transport.js";

const canned = (reply: FakeReply) => () => reply;

// Far beyond any test's own timeout: an answer that comes at all did not come from these deadlines.
const NEVER_MS = 600_000;

test("method, path, query, body and codexd's status and body pass through verbatim", async (t) => {
  const created = {
    ok: true,
    data: { session: { sessionId: "session-1", status: "active", purpose: "duplex" } }
  };
  const accepted = { ok: true, data: { accepted: true, turnId: "turn-1", sessionId: "session-1" } };
  const missing = { ok: false, error: { code: "session_not_found", message: "no session session-x" } };
  const conflict = { ok: false, error: { code: "session_closed", message: "session-1 is closed" } };
  const codexd = await startFakeCodexd({
    routes: {
      "POST /v1/codexd/sessions": canned({ status: 201, body: created }),
      "POST /v1/codexd/turn": canned({ status: 202, body: accepted }),
      "GET /v1/codexd/sessions/session-x": canned({ status: 404, body: missing }),
      "POST /v1/codexd/sessions/session-1/close": canned({ status: 409, body: conflict }),
      "POST /v1/codexd/turn/steer": canned({
        status: 429,
        body: { ok: false, error: { code: "busy", message: "later" } },
        headers: { "retry-after": "3" }
      })
    }
  });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());

  const create = await app.inject({
    method: "POST",
    url: "/v1/codex/sessions",
    headers: {
      "content-type": "application/json",
      authorization: "Bearer test-token-0123456789abcdef012345",
      "x-extra": "nope"
    },
    payload: { cwd: "/repo", model: "gpt-5.4", purpose: "duplex" }
  });
  assert.equal(create.statusCode, 201);
  assert.deepEqual(create.json(), created);
  const forwarded = codexd.requests.at(-1)!;
  assert.equal(forwarded.method, "POST");
  assert.equal(forwarded.url, "/v1/codexd/sessions");
  assert.deepEqual(JSON.parse(forwarded.body), { cwd: "/repo", model: "gpt-5.4", purpose: "duplex" });
  assert.equal(forwarded.headers["content-type"], "application/json");
  assert.equal(forwarded.headers.authorization, undefined, "the client's token never reaches codexd");
  assert.equal(forwarded.headers["x-extra"], undefined);

  const turn = await app.inject({
    method: "POST",
    url: "/v1/codex/turn",
    payload: { sessionId: "session-1", input: "hi" }
  });
  assert.equal(turn.statusCode, 202);
  assert.deepEqual(turn.json(), accepted);

  const notFound = await app.inject({ url: "/v1/codex/sessions/session-x" });
  assert.equal(notFound.statusCode, 404);
  assert.deepEqual(notFound.json(), missing);

  const closed = await app.inject({ method: "POST", url: "/v1/codex/sessions/session-1/close" });
  assert.equal(closed.statusCode, 409);
  assert.deepEqual(closed.json(), conflict);
  assert.equal(codexd.requests.at(-1)!.body, "", "no body in, no body out");

  const busy = await app.inject({
    method: "POST",
    url: "/v1/codex/turn/steer",
    payload: { sessionId: "s", input: "x" }
  });
  assert.equal(busy.statusCode, 429);
  assert.equal(busy.headers["retry-after"], "3");

  const events = await app.inject({ url: "/v1/codex/events?after=5&sessionId=session-1" });
  assert.equal(events.statusCode, 200);
  assert.equal(codexd.requests.at(-1)!.url, "/v1/codexd/events?after=5&sessionId=session-1");

  const removed = await app.inject({ method: "DELETE", url: "/v1/codex/approvals/appr-1?reason=x%20y" });
  assert.equal(removed.statusCode, 200);
  assert.deepEqual(removed.json().data.echo, {
    method: "DELETE",
    url: "/v1/codexd/approvals/appr-1?reason=x%20y",
    body: "",
    contentType: null
  });
});

test("dot segments never reach codexd", async (t) => {
  const dir = tempDir(t);
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const { runtime, baseUrl } = await startConductor(dir.root, codexd.baseUrl);
  t.after(() => runtime.stop());
  // fetch and inject would normalize these paths; a raw request keeps them as sent.
  for (const path of ["/v1/codex/../../healthz", "/v1/codex/%2e%2e/status", "/v1/codex/a%2F..%2F..%2Fx"]) {
    assert.equal(await rawGetStatus(baseUrl, path), 404, path);
  }
  assert.equal(codexd.requests.length, 0);
});

function rawGetStatus(baseUrl: string, path: string): Promise<number> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: hostname, port, path, method: "GET" }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    request.end();
  });
}

test("a response that is not JSON is 502 codexd_bad_gateway", async (t) => {
  const codexd = await startFakeCodexd({
    routes: { "GET /v1/codexd/sessions": canned({ status: 200, raw: "<html>oops</html>" }) }
  });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const response = await app.inject({ url: "/v1/codex/sessions" });
  assert.equal(response.statusCode, 502);
  assert.equal(response.json().error.code, "codexd_bad_gateway");
});

test("a hung codexd is cut off at proxyTimeoutMs with 504 codexd_timeout", { timeout: 10_000 }, async (t) => {
  const codexd = await startHungServer();
  t.after(() => codexd.close());
  // The real transport, watched: which bound each call to codexd is sent with.
  const { sent, transport } = watchedTransport(t, NEVER_MS);
  // Only proxyTimeoutMs is short: the 504 can come from nothing else within the test's timeout.
  const app = buildApp(
    codexd.baseUrl,
    { proxyTimeoutMs: 200, codexdConnectTimeoutMs: NEVER_MS },
    { transport }
  );
  t.after(() => app.close());
  const response = await app.inject({
    method: "POST",
    url: "/v1/codex/turn",
    payload: { sessionId: "s", input: "x" }
  });
  assert.equal(response.statusCode, 504);
  assert.equal(response.json().error.code, "codexd_timeout");
  assert.deepEqual(
    sent.map((request) => [request.method, request.path, request.timeoutMs]),
    [["POST", "/v1/codexd/turn", 200]],
    "the proxied call is bounded by proxyTimeoutMs"
  );
  assert.deepEqual(codexd.requests, ["POST /v1/codexd/turn"]);
  // The conductor let go of the hung request; it was not left open.
  await codexd.abandoned;
});

test("codexd's own 404 for an unknown route names the conductor's path", async (t) => {
  const notFound = {
    ok: false,
    error: { code: "route_not_found", message: "no route for GET /v1/codexd/runs" }
  };
  const codexd = await startFakeCodexd({
    routes: { "GET /v1/codexd/runs": canned({ status: 404, body: notFound }) }
  });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const response = await app.inject({ url: "/v1/codex/runs" });
  assert.equal(response.statusCode, 404);
  assert.deepEqual(response.json(), {
    ok: false,
    error: { code: "route_not_found", message: "no route for GET /v1/codex/runs" }
  });
});

test("codexd down: quick 503, then the proxy recovers without a restart", { timeout: 10_000 }, async (t) => {
  const dir = tempDir(t);
  const port = await closedPort();
  const base = `http://127.0.0.1:${port}`;
  // The refusal answers, not a deadline: none could fire within the test's timeout.
  const { runtime, baseUrl } = await startConductor(dir.root, base, {
    codexdConnectTimeoutMs: NEVER_MS,
    proxyTimeoutMs: NEVER_MS
  });
  t.after(() => runtime.stop());

  for (const path of ["/v1/codex/sessions", "/v1/codex"]) {
    const response = await fetch(`${baseUrl}${path}`);
    assert.equal(response.status, 503, `${path} is refused at once`);
    assert.deepEqual(await response.json(), {
      ok: false,
      error: { code: "codexd_unavailable", message: `codexd is not reachable at ${base}` }
    });
  }

  const codexd = await startFakeCodexd({ port, sessions: [{ sessionId: "session-1", status: "active" }] });
  t.after(() => codexd.close());
  const sessions = await fetch(`${baseUrl}/v1/codex/sessions`);
  assert.equal(sessions.status, 200);
  const summary = await fetch(`${baseUrl}/v1/codex`);
  assert.equal(summary.status, 200);
  assert.equal(((await summary.json()) as { data: { sessions: { count: number } } }).data.sessions.count, 1);
});
