import assert from "node:assert/strict";
import test from "node:test";
import { startFakeCodexd } from "./helpers/fake-codexd.js";
import { buildApp } from "./helpers/conductor.js";

test("malformed JSON is 400 invalid_json and never reaches codexd", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const response = await app.inject({
    method: "POST",
    url: "/v1/codex/sessions",
    headers: { "content-type": "application/json" },
    payload: '{"cwd": "/repo",'
  });
  assert.equal(response.statusCode, 400);
  assert.deepEqual(response.json(), {
    ok: false,
    error: { code: "invalid_json", message: "request body is not valid JSON" }
  });
  assert.equal(codexd.requests.length, 0);
});

test("a body over bodyLimitBytes is 413 payload_too_large", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl, { bodyLimitBytes: 1024 });
  t.after(() => app.close());
  const response = await app.inject({
    method: "POST",
    url: "/v1/codex/turn",
    headers: { "content-type": "application/json" },
    payload: JSON.stringify({ sessionId: "s", input: "x".repeat(2048) })
  });
  assert.equal(response.statusCode, 413);
  assert.equal(response.json().error.code, "payload_too_large");
  assert.equal(
    response.json().error.message,
    "request body is larger than the limit of 1024 bytes (raise it with BAA_CONDUCTOR_BODY_LIMIT_BYTES or --body-limit-bytes)"
  );
  assert.equal(codexd.requests.length, 0);

  const small = await app.inject({
    method: "POST",
    url: "/v1/codex/turn",
    payload: { sessionId: "s", input: "ok" }
  });
  assert.equal(small.statusCode, 200);
});

test("unknown routes and media types use the shared error shape", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const missing = await app.inject({ url: "/v1/nothing" });
  assert.equal(missing.statusCode, 404);
  assert.deepEqual(missing.json(), {
    ok: false,
    error: { code: "route_not_found", message: "no route for GET /v1/nothing" }
  });
  const media = await app.inject({
    method: "POST",
    url: "/v1/codex/turn",
    headers: { "content-type": "application/xml" },
    payload: "<x/>"
  });
  assert.equal(media.statusCode, 415);
  assert.equal(media.json().error.code, "unsupported_media_type");
});
