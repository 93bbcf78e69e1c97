import assert from "node:assert/strict";
import test from "node:test";
import Fastify from "fastify";
import { z } from "zod";
import { AppError, installErrorHandling, installJsonBodyParser, installShutdownGate, parseInput } from "../src/index.js";

function app() {
  const server = Fastify({ bodyLimit: 100 });
  installErrorHandling(server);
  installJsonBodyParser(server);
  server.post("/echo", async (request) => ({ ok: true, data: parseInput(z.object({ name: z.string() }), request.body ?? {}) }));
  server.post("/empty", async (request) => ({ ok: true, data: { body: request.body ?? null } }));
  server.get("/boom", async () => {
    throw new Error("secret detail at /srv/x.ts:10");
  });
  server.get("/limited", async () => {
    throw new AppError("too_many_requests", 429, "slow down", { headers: { "retry-after": "3" } });
  });
  return server;
}

test("every failure leaves as {ok:false,error:{code,message}} with the right status", async () => {
  const server = app();
  const cases: [Parameters<typeof server.inject>[0], number, string][] = [
    [{ method: "POST", url: "/echo", payload: "{bad", headers: { "content-type": "application/json" } }, 400, "invalid_json"],
    [{ method: "POST", url: "/echo", payload: { name: 3 } }, 400, "validation_failed"],
    [{ method: "POST", url: "/echo", payload: { name: "x".repeat(200) } }, 413, "payload_too_large"],
    [{ method: "POST", url: "/echo", payload: "name=x", headers: { "content-type": "text/csv" } }, 415, "unsupported_media_type"],
    [{ method: "GET", url: "/nowhere" }, 404, "route_not_found"],
    [{ method: "GET", url: "/boom" }, 500, "internal"],
    [{ method: "GET", url: "/limited" }, 429, "too_many_requests"]
  ];
  for (const [request, status, code] of cases) {
    const response = await server.inject(request);
    assert.equal(response.statusCode, status, JSON.stringify(request));
    const body = response.json();
    assert.deepEqual(Object.keys(body.error).sort(), ["code", "message"]);
    assert.equal(body.ok, false);
    assert.equal(body.error.code, code);
  }
  const boom = await server.inject({ method: "GET", url: "/boom" });
  assert.doesNotMatch(boom.body, /secret detail/);
  assert.equal((await server.inject({ method: "GET", url: "/limited" })).headers["retry-after"], "3");
  const validation = await server.inject({ method: "POST", url: "/echo", payload: { name: 3 } });
  assert.match(validation.json().error.message, /name/);
});

test("an empty body with a JSON content type is no body, not an error", async () => {
  const response = await app().inject({ method: "POST", url: "/empty", headers: { "content-type": "application/json" } });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { ok: true, data: { body: null } });
});

test("a body with a __proto__ or constructor.prototype key is refused by Fastify's parser as invalid_json", async () => {
  const server = app();
  server.post("/raw", async (request) => ({ ok: true, data: { polluted: ({} as Record<string, unknown>).admin ?? null, body: request.body } }));
  for (const payload of ['{"name":"x","__proto__":{"admin":true}}', '{"name":"x","constructor":{"prototype":{"admin":true}}}']) {
    const response = await server.inject({ method: "POST", url: "/raw", payload, headers: { "content-type": "application/json" } });
    assert.equal(response.statusCode, 400, payload);
    assert.equal(response.json().error.code, "invalid_json");
    assert.match(response.json().error.message, /__proto__ or constructor\.prototype/);
  }
  const plain = await server.inject({ method: "POST", url: "/raw", payload: '{"name":"x"}', headers: { "content-type": "application/json" } });
  assert.deepEqual(plain.json(), { ok: true, data: { polluted: null, body: { name: "x" } } });
});

test("the shutdown gate answers shutting_down with Retry-After once the app is closing", async () => {
  // Fastify's own 503 on closing is off, as in each service: the gate answers instead.
  const server = Fastify({ return503OnClosing: false, forceCloseConnections: true });
  installErrorHandling(server);
  installShutdownGate(server, { service: "test-service", retryAfterSeconds: 2 });
  server.get("/limited", async () => ({ ok: true }));
  // Runs after the gate's own preClose hook: from here on the app counts as closing.
  let reached!: () => void;
  const closing = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  server.addHook("preClose", async () => {
    reached();
    await held;
  });
  const address = await server.listen({ host: "127.0.0.1", port: 0 });
  assert.equal((await fetch(`${address}/limited`)).status, 200, "open before closing");
  const closed = server.close();
  await closing;
  const response = await fetch(`${address}/limited`);
  release();
  await closed;
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "2");
  assert.deepEqual(await response.json(), { ok: false, error: { code: "shutting_down", message: "test-service is shutting down" } });
});
