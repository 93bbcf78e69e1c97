import assert from "node:assert/strict";
import test from "node:test";
import { pino } from "pino";
import type { WebSocket } from "ws";
import { resolveCodexdConfig } from "../../src/config.js";
import { createCodexdApp } from "../../src/http/app.js";
import type { CodexdApi } from "../../src/http/codexd-api.js";

// codexd has no token: the browser guard alone stands between a web page and the API.
const PORT = 4319;
const HOST = `127.0.0.1:${PORT}`;

function fakeApi() {
  const created: unknown[] = [];
  const listeners = new Set<(event: unknown, json: string) => void>();
  const api = {
    events: {
      lastSeq: 0,
      subscribe: (listener: (event: unknown, json: string) => void) => (
        listeners.add(listener), () => listeners.delete(listener)
      ),
      query: async () => ({ events: [], nextAfter: null })
    },
    approvals: { list: () => [], get: () => undefined, answer: async () => undefined },
    operations: {
      createSession: async (body: unknown) => (created.push(body), { sessionId: "s1" }),
      getSession: () => undefined,
      startTurn: async () => ({ turnId: "t1" }),
      steerTurn: async () => ({ turnId: "t1" }),
      interruptTurn: async () => ({ turnId: "t1" }),
      closeSession: async () => undefined
    },
    listSessions: () => [],
    recentSessionEvents: () => [],
    stateSettled: async () => {},
    getStatus: () => ({}),
    restartChild: async () => true
  } as unknown as CodexdApi;
  const emit = (seq: number) => {
    const event = { seq, type: "test.event" };
    for (const listener of listeners) listener(event, JSON.stringify(event));
  };
  return { api, created, emit };
}

function buildApp(overrides: { allowedHosts?: string[]; allowedOrigins?: string[] } = {}) {
  const config = resolveCodexdConfig({
    env: {},
    repoRoot: "/nonexistent",
    localApiBase: `http://${HOST}`,
    ...overrides
  });
  const fake = fakeApi();
  const app = createCodexdApp({ api: fake.api, config, logger: pino({ level: "silent" }) });
  return { app, ...fake };
}

test("rebinding Host, foreign-Origin POST and proxied requests are refused; no session is created", async (t) => {
  const { app, created } = buildApp();
  t.after(() => app.close());

  const rebinding = await app.inject({
    url: "/v1/codexd/sessions",
    headers: { host: `attacker.example:${PORT}` }
  });
  assert.equal(rebinding.statusCode, 421);
  assert.equal(rebinding.json().error.code, "host_not_allowed");
  assert.doesNotMatch(rebinding.json().error.message, /token/, "codexd has no token to suggest");

  const post = await app.inject({
    method: "POST",
    url: "/v1/codexd/sessions",
    headers: { host: HOST, origin: "http://attacker.example" },
    payload: { cwd: "/tmp" }
  });
  assert.equal(post.statusCode, 403);
  assert.equal(post.json().error.code, "origin_not_allowed");
  const sameOriginRebinding = await app.inject({
    method: "POST",
    url: "/v1/codexd/sessions",
    headers: { host: `attacker.example:${PORT}`, origin: `http://attacker.example:${PORT}` },
    payload: { cwd: "/tmp" }
  });
  assert.equal(sameOriginRebinding.statusCode, 421);

  for (const header of ["x-forwarded-for", "forwarded", "x-real-ip"]) {
    const proxied = await app.inject({
      url: "/v1/codexd/sessions",
      headers: { host: HOST, [header]: header === "forwarded" ? "for=203.0.113.9" : "203.0.113.9" }
    });
    assert.equal(proxied.statusCode, 403, header);
    assert.equal(proxied.json().error.code, "forwarded_request_refused", header);
  }
  assert.deepEqual(created, [], "no refused request reached the core");
  assert.equal(post.headers["access-control-allow-origin"], undefined);
});

test("no Origin, the own origin and Host: localhost:<port> still work", async (t) => {
  const { app, created } = buildApp();
  t.after(() => app.close());
  for (const headers of [
    { host: HOST },
    { host: `localhost:${PORT}` },
    { host: `[::1]:${PORT}` },
    { host: HOST, origin: `http://${HOST}` },
    { host: HOST, origin: `http://localhost:${PORT}` }
  ]) {
    assert.equal(
      (await app.inject({ url: "/v1/codexd/sessions", headers })).statusCode,
      200,
      JSON.stringify(headers)
    );
  }
  const post = await app.inject({
    method: "POST",
    url: "/v1/codexd/sessions",
    headers: { host: HOST, origin: `http://${HOST}` },
    payload: { cwd: "/tmp" }
  });
  assert.equal(post.statusCode, 201);
  assert.equal(created.length, 1);
});

test("the event stream's WebSocket upgrade: foreign Origin and Host refused, own origin streams", async (t) => {
  const { app, emit } = buildApp();
  t.after(() => app.close());
  await app.ready();
  await assert.rejects(
    app.injectWS("/v1/codexd/events", { headers: { host: HOST, origin: "http://attacker.example" } }),
    /Unexpected server response: 403/
  );
  await assert.rejects(
    app.injectWS("/v1/codexd/events", { headers: { host: `attacker.example:${PORT}` } }),
    /Unexpected server response: 421/
  );
  await assert.rejects(
    app.injectWS("/v1/codexd/events", { headers: { host: HOST, "x-forwarded-for": "203.0.113.9" } }),
    /Unexpected server response: 403/
  );

  for (const headers of [{ host: HOST }, { host: `localhost:${PORT}`, origin: `http://localhost:${PORT}` }]) {
    const socket = (await app.injectWS("/v1/codexd/events", { headers })) as unknown as WebSocket;
    const message = new Promise<string>((resolve) => socket.once("message", (data) => resolve(String(data))));
    emit(1);
    assert.equal(JSON.parse(await message).seq, 1, JSON.stringify(headers));
    socket.terminate();
  }
});

test("configured hosts and origins: BAA_ALLOWED_HOSTS and BAA_ALLOWED_ORIGINS", async (t) => {
  const { app } = buildApp({ allowedHosts: ["codexd.internal"], allowedOrigins: ["https://dash.example"] });
  t.after(() => app.close());
  assert.equal(
    (await app.inject({ url: "/v1/codexd/sessions", headers: { host: "codexd.internal:8080" } })).statusCode,
    200
  );
  const preflight = await app.inject({
    method: "OPTIONS",
    url: "/v1/codexd/sessions",
    headers: {
      host: HOST,
      origin: "https://dash.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type"
    }
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "https://dash.example");
  const answer = await app.inject({
    url: "/v1/codexd/sessions",
    headers: { host: HOST, origin: "https://dash.example" }
  });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers["access-control-allow-origin"], "https://dash.example");
});
