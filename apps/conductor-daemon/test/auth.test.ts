import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "node:test";
import WebSocket from "ws";
import { createAccessPolicy } from "../src/auth.js";
import { startFakeCodexd } from "./helpers/fake-codexd.js";
import { buildApp } from "./helpers/conductor.js";

const UNAUTHORIZED = { ok: false, error: { code: "unauthorized", message: "missing or invalid bearer token" } };
const REMOTE = "10.1.2.3";

test("loopback needs no token; a remote peer needs the right one", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());

  assert.equal((await app.inject({ url: "/v1/codex/sessions" })).statusCode, 200);

  const missing = await app.inject({ url: "/v1/codex/sessions", remoteAddress: REMOTE });
  assert.equal(missing.statusCode, 401);
  assert.deepEqual(missing.json(), UNAUTHORIZED);

  for (const authorization of ["Bearer wrong-token", "Bearer test-token-and-more", "Basic dGVzdC10b2tlbg==", "test-token", "Bearer "]) {
    const wrong = await app.inject({ url: "/v1/codex/sessions", remoteAddress: REMOTE, headers: { authorization } });
    assert.equal(wrong.statusCode, 401, authorization);
    assert.deepEqual(wrong.json(), UNAUTHORIZED);
    assert.ok(!wrong.body.includes("test-token"));
  }

  const right = await app.inject({ url: "/v1/codex/sessions", remoteAddress: REMOTE, headers: { authorization: "Bearer test-token" } });
  assert.equal(right.statusCode, 200);
  const lowercase = await app.inject({ url: "/v1/codex", remoteAddress: REMOTE, headers: { authorization: "bearer test-token" } });
  assert.equal(lowercase.statusCode, 200);

  const upstreamAuth = codexd.requests.map((request) => request.headers.authorization);
  assert.deepEqual(upstreamAuth.filter((value) => value !== undefined), [], "tokens never travel to codexd");
});

test("probes are open to everyone; other paths default to closed", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  for (const url of ["/healthz", "/readyz", "/rolez"]) {
    assert.equal((await app.inject({ url, remoteAddress: REMOTE })).statusCode, 200, url);
  }
  assert.equal((await app.inject({ url: "/v1/anything", remoteAddress: REMOTE })).statusCode, 401);
  assert.equal((await app.inject({ url: "/elsewhere", remoteAddress: REMOTE })).statusCode, 401);
  assert.equal((await app.inject({ url: "/v1/anything" })).statusCode, 404, "loopback sees the real 404");
});

test("trusted CIDRs widen trust", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl, { trustedCidrs: ["10.0.0.0/8", "fd7a:115c:a1e0::/48"] });
  t.after(() => app.close());
  assert.equal((await app.inject({ url: "/v1/codex/sessions", remoteAddress: REMOTE })).statusCode, 200);
  assert.equal((await app.inject({ url: "/v1/codex/sessions", remoteAddress: "::ffff:10.9.9.9" })).statusCode, 200);
  assert.equal((await app.inject({ url: "/v1/codex/sessions", remoteAddress: "fd7a:115c:a1e0::5" })).statusCode, 200);
  assert.equal((await app.inject({ url: "/v1/codex/sessions", remoteAddress: "192.168.1.20" })).statusCode, 401);
});

test("the WebSocket upgrade is checked like any other request", async (t) => {
  const codexd = await startFakeCodexd({ wsEventCount: 1 });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl, {}, { isTrustedAddress: () => false });
  t.after(() => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/codex/events`;

  const refused = new WebSocket(url);
  const [, response] = (await once(refused, "unexpected-response")) as [unknown, { statusCode: number; resume(): void }];
  response.resume();
  assert.equal(response.statusCode, 401);
  refused.on("error", () => {});
  refused.terminate();
  assert.equal(codexd.wsConnections.length, 0);

  const accepted = new WebSocket(url, { headers: { authorization: "Bearer test-token" } });
  const [message] = (await once(accepted, "message")) as [Buffer];
  assert.equal((JSON.parse(message.toString()) as { seq: number }).seq, 1);
  accepted.close();
  await once(accepted, "close");
});

test("the policy compares tokens of any length without throwing", () => {
  const policy = createAccessPolicy({ token: "s3cret" });
  assert.equal(policy.hasValidToken("Bearer s3cret"), true);
  assert.equal(policy.hasValidToken("Bearer s3cre"), false);
  assert.equal(policy.hasValidToken(`Bearer ${"x".repeat(10_000)}`), false);
  assert.equal(policy.hasValidToken(undefined), false);
  assert.equal(policy.isTrusted("127.0.0.1"), true);
  assert.equal(policy.isTrusted("::1"), true);
  assert.equal(policy.isTrusted("10.0.0.1"), false);
  assert.equal(policy.isTrusted(undefined), false);
});
