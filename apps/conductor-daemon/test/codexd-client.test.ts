import assert from "node:assert/strict";
import test from "node:test";
import { AppError } from "@baa/api-errors";
import { CodexdClient } from "../src/codexd-client.js";
import type { TransportRequest } from "../src/codexd-transport.js";

test("event-stream URLs keep the query string and switch the scheme", () => {
  const client = new CodexdClient({ baseUrl: "http://127.0.0.1:4319/", requestTimeoutMs: 1000, connectTimeoutMs: 100 });
  assert.equal(client.eventsUrl("?after=3&sessionId=s"), "ws://127.0.0.1:4319/v1/codexd/events?after=3&sessionId=s");
  assert.equal(client.eventsUrl(""), "ws://127.0.0.1:4319/v1/codexd/events");
  assert.equal(client.baseUrl, "http://127.0.0.1:4319/");
});

test("an injected transport sees only the forwarded headers and the request timeout", async () => {
  const calls: TransportRequest[] = [];
  const transport = async (request: TransportRequest) => {
    calls.push(request);
    return { status: 202, headers: {}, text: JSON.stringify({ ok: true, data: { accepted: true } }) };
  };
  const client = new CodexdClient({ baseUrl: "http://127.0.0.1:4319", requestTimeoutMs: 1000, connectTimeoutMs: 100, transport });
  const reply = await client.request({ method: "POST", pathAndQuery: "/v1/codexd/turn?x=1", body: "{}", contentType: "application/json" });
  assert.equal(reply.status, 202);
  assert.deepEqual(reply.json, { ok: true, data: { accepted: true } });
  assert.equal(calls[0]?.url, "http://127.0.0.1:4319/v1/codexd/turn?x=1");
  assert.deepEqual(calls[0]?.headers, { "content-type": "application/json" });
  assert.equal(calls[0]?.timeoutMs, 1000);
});

test("a failing transport is codexd_unavailable; a codexd error on status is codexd_bad_gateway", async () => {
  const refused = new CodexdClient({
    baseUrl: "http://127.0.0.1:4319",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 100,
    transport: async () => Promise.reject(new Error("connect ECONNREFUSED"))
  });
  await assert.rejects(refused.status(), (error: unknown) => error instanceof AppError && error.status === 503 && error.code === "codexd_unavailable");

  const failing = new CodexdClient({
    baseUrl: "http://127.0.0.1:4319",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 100,
    transport: async () => ({ status: 500, headers: {}, text: JSON.stringify({ ok: false, error: { code: "internal", message: "x" } }) })
  });
  await assert.rejects(failing.status(), (error: unknown) => error instanceof AppError && error.status === 502 && /500 internal/.test(error.message));
});
