import assert from "node:assert/strict";
import test from "node:test";
import Fastify from "fastify";
import { installErrorHandling } from "@baa/api-errors";
import { installJsonBodyParser } from "../src/index.js";

function app() {
  const server = Fastify();
  installErrorHandling(server);
  installJsonBodyParser(server);
  server.post("/empty", async (request) => ({ ok: true, data: { body: request.body ?? null } }));
  return server;
}

test("an empty body with a JSON content type is no body, not an error", async () => {
  const response = await app().inject({
    method: "POST",
    url: "/empty",
    headers: { "content-type": "application/json" }
  });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), { ok: true, data: { body: null } });
});

test("a body with a __proto__ or constructor.prototype key is refused by Fastify's parser as invalid_json", async () => {
  const server = app();
  server.post("/raw", async (request) => ({
    ok: true,
    data: { polluted: ({} as Record<string, unknown>).admin ?? null, body: request.body }
  }));
  for (const payload of [
    '{"name":"x","__proto__":{"admin":true}}',
    '{"name":"x","constructor":{"prototype":{"admin":true}}}'
  ]) {
    const response = await server.inject({
      method: "POST",
      url: "/raw",
      payload,
      headers: { "content-type": "application/json" }
    });
    assert.equal(response.statusCode, 400, payload);
    assert.equal(response.json().error.code, "invalid_json");
    assert.match(response.json().error.message, /__proto__ or constructor\.prototype/);
  }
  const plain = await server.inject({
    method: "POST",
    url: "/raw",
    payload: '{"name":"x"}',
    headers: { "content-type": "application/json" }
  });
  assert.deepEqual(plain.json(), { ok: true, data: { polluted: null, body: { name: "x" } } });
});

test("a body that is not JSON is invalid_json, saying so", async () => {
  const headers = { "content-type": "application/json" };
  const response = await app().inject({ method: "POST", url: "/empty", payload: "{bad", headers });
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), {
    ok: false,
    error: { code: "invalid_json", message: "request body is not valid JSON" }
  });
});
