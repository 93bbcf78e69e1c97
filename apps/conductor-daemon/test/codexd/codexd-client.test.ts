import assert from "node:assert/strict";
import test from "node:test";
import { AppError } from "@baa/api-errors";
import { CodexdClient } from "../../src/codexd/codexd-client.js";
import type { TransportRequest } from "../../src/codexd/codexd-transport.js";

test("event-stream URLs keep the query string and switch the scheme", () => {
  const client = new CodexdClient({
    baseUrl: "http://127.0.0.1:4319/",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 100
  });
  assert.equal(
    client.eventsUrl("?after=3&sessionId=s"),
    "ws://127.0.0.1:4319/v1/codexd/events?after=3&sessionId=s"
  );
  assert.equal(client.eventsUrl(""), "ws://127.0.0.1:4319/v1/codexd/events");
  assert.equal(client.baseUrl, "http://127.0.0.1:4319/");
});

test("an injected transport sees only the forwarded headers and the request timeout", async () => {
  const calls: TransportRequest[] = [];
  const transport = async (request: TransportRequest) => {
    calls.push(request);
    return {
      status: 202,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ ok: true, data: { accepted: true } })
    };
  };
  const client = new CodexdClient({
    baseUrl: "http://127.0.0.1:4319",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 100,
    transport
  });
  const reply = await client.request({
    method: "POST",
    pathAndQuery: "/v1/codexd/turn?x=1",
    body: "{}",
    contentType: "application/json"
  });
  assert.equal(reply.status, 202);
  assert.deepEqual(reply.json, { ok: true, data: { accepted: true } });
  assert.equal(calls[0]?.origin, "http://127.0.0.1:4319");
  assert.equal(calls[0]?.path, "/v1/codexd/turn?x=1");
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
  await assert.rejects(
    refused.status(),
    (error: unknown) =>
      error instanceof AppError && error.status === 503 && error.code === "codexd_unavailable"
  );

  const failing = new CodexdClient({
    baseUrl: "http://127.0.0.1:4319",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 100,
    transport: async () => ({
      status: 500,
      headers: {},
      body: JSON.stringify({ ok: false, error: { code: "internal", message: "x" } })
    })
  });
  await assert.rejects(
    failing.status(),
    (error: unknown) =>
      error instanceof AppError && error.status === 502 && /500 internal/.test(error.message)
  );
});

test("a body that is not JSON is codexd_bad_gateway, whatever its type says; a JSON one is parsed when read", async () => {
  const respond = (contentType: string | undefined, body: string) =>
    new CodexdClient({
      baseUrl: "http://127.0.0.1:4319/base/",
      requestTimeoutMs: 1000,
      connectTimeoutMs: 100,
      transport: async (request) => {
        assert.equal(request.origin, "http://127.0.0.1:4319");
        assert.equal(request.path, "/base/v1/codexd/sessions");
        return {
          status: 200,
          headers: contentType === undefined ? {} : { "content-type": contentType },
          body: Buffer.from(body)
        };
      }
    }).request({ method: "GET", pathAndQuery: "/v1/codexd/sessions", lazyJson: true });
  const isBadGateway = (error: unknown) =>
    error instanceof AppError && error.status === 502 && error.code === "codexd_bad_gateway";
  await assert.rejects(respond("application/json", "<html>oops</html>"), isBadGateway);
  await assert.rejects(respond("text/html", "<html>oops</html>"), isBadGateway);
  await assert.rejects(respond(undefined, "{"), isBadGateway);
  await assert.rejects(respond("application/jsonx", "{}x"), isBadGateway);
  const typed = await respond("application/json; charset=utf-8", ' {"ok":true}\n');
  assert.deepEqual(typed.json, { ok: true });
  assert.equal(typed.text, ' {"ok":true}\n');
  const untyped = await respond("text/plain", "[1]");
  assert.deepEqual(untyped.json, [1]);
  const empty = await respond("application/json", "");
  assert.equal(empty.json, undefined);
  assert.equal(empty.body.length, 0);
  // Shaped like a document but broken: refused when read; a caller that is not lazy is refused at once.
  const broken = await respond("application/json", "{oops}");
  assert.throws(() => broken.json, isBadGateway);
  const eager = new CodexdClient({
    baseUrl: "http://127.0.0.1:4319",
    requestTimeoutMs: 1000,
    connectTimeoutMs: 100,
    transport: async () => ({ status: 200, headers: { "content-type": "application/json" }, body: "{oops}" })
  });
  await assert.rejects(eager.request({ method: "GET", pathAndQuery: "/v1/codexd/sessions" }), isBadGateway);
});
