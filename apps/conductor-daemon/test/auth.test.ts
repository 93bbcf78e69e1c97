import assert from "node:assert/strict";
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "node:test";
import WebSocket from "ws";
import { createAccessPolicy } from "../src/auth.js";
import { startFakeCodexd } from "./helpers/fake-codexd.js";
import { createConductorLogger } from "../src/logger.js";
import { buildApp, textSink } from "./helpers/conductor.js";

const UNAUTHORIZED = {
  ok: false,
  error: { code: "unauthorized", message: "missing or invalid bearer token" }
};
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

  for (const authorization of [
    "Bearer wrong-token",
    "Bearer test-token-0123456789abcdef012345-and-more",
    "Basic dGVzdC10b2tlbg==",
    "test-token-0123456789abcdef012345",
    "Bearer "
  ]) {
    const wrong = await app.inject({
      url: "/v1/codex/sessions",
      remoteAddress: REMOTE,
      headers: { authorization }
    });
    assert.equal(wrong.statusCode, 401, authorization);
    assert.deepEqual(wrong.json(), UNAUTHORIZED);
    assert.ok(!wrong.body.includes("test-token-0123456789abcdef012345"));
  }

  const right = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: { authorization: "Bearer test-token-0123456789abcdef012345" }
  });
  assert.equal(right.statusCode, 200);
  const lowercase = await app.inject({
    url: "/v1/codex",
    remoteAddress: REMOTE,
    headers: { authorization: "bearer test-token-0123456789abcdef012345" }
  });
  assert.equal(lowercase.statusCode, 200);

  const upstreamAuth = codexd.requests.map((request) => request.headers.authorization);
  assert.deepEqual(
    upstreamAuth.filter((value) => value !== undefined),
    [],
    "tokens never travel to codexd"
  );
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
  assert.equal(
    (await app.inject({ url: "/v1/codex/sessions", remoteAddress: "::ffff:10.9.9.9" })).statusCode,
    200
  );
  assert.equal(
    (await app.inject({ url: "/v1/codex/sessions", remoteAddress: "fd7a:115c:a1e0::5" })).statusCode,
    200
  );
  assert.equal(
    (await app.inject({ url: "/v1/codex/sessions", remoteAddress: "192.168.1.20" })).statusCode,
    401
  );
});

test("the WebSocket upgrade is checked like any other request", async (t) => {
  const codexd = await startFakeCodexd({ wsEventCount: 1 });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl, {}, { isTrustedAddress: () => false });
  t.after(() => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const url = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/codex/events`;

  const refused = new WebSocket(url);
  const [, response] = (await once(refused, "unexpected-response")) as [
    unknown,
    { statusCode: number; resume(): void }
  ];
  response.resume();
  assert.equal(response.statusCode, 401);
  refused.on("error", () => {});
  refused.terminate();
  assert.equal(codexd.wsConnections.length, 0);

  const accepted = new WebSocket(url, {
    headers: { authorization: "Bearer test-token-0123456789abcdef012345" }
  });
  const [message] = (await once(accepted, "message")) as [Buffer];
  assert.equal((JSON.parse(message.toString()) as { seq: number }).seq, 1);
  accepted.close();
  await once(accepted, "close");
});

test("the policy compares tokens of any length without throwing", () => {
  const token = "s3cret-0123456789abcdef0123456789";
  const policy = createAccessPolicy({ token });
  assert.equal(policy.tokenUsable, true);
  assert.equal(policy.hasValidToken(`Bearer ${token}`), true);
  assert.equal(policy.hasValidToken(`Bearer ${token.slice(0, -1)}`), false);
  assert.equal(policy.hasValidToken(`Bearer ${"x".repeat(10_000)}`), false);
  assert.equal(policy.hasValidToken(undefined), false);
  assert.equal(policy.isTrusted("127.0.0.1"), true);
  assert.equal(policy.isTrusted("::1"), true);
  assert.equal(policy.isTrusted("10.0.0.1"), false);
  assert.equal(policy.isTrusted(undefined), false);
});

test("a short token passed in code is never accepted; BAA_TRUST_LOOPBACK=false distrusts loopback only", () => {
  const short = createAccessPolicy({ token: "replace-me" });
  assert.equal(short.tokenUsable, false);
  assert.equal(short.hasValidToken("Bearer replace-me"), false);
  const distrusting = createAccessPolicy({
    token: "s3cret-0123456789abcdef0123456789",
    trustLoopback: false,
    trustedCidrs: ["10.0.0.0/8"]
  });
  assert.equal(distrusting.isTrusted("127.0.0.1"), false);
  assert.equal(distrusting.isTrusted("::ffff:127.0.0.1"), false);
  assert.equal(distrusting.isTrusted("10.1.2.3"), true, "explicitly trusted networks stay trusted");
});

const TOKEN = "test-token-0123456789abcdef012345";
const LOCAL_HOST = "127.0.0.1:80"; // buildApp configures port 80

test("browser guard on HTTP: rebinding Host, foreign Origin and proxied loopback are refused", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const seen = () => codexd.requests.length;

  const before = seen();
  const rebinding = await app.inject({ url: "/v1/codex/sessions", headers: { host: "attacker.example:80" } });
  assert.equal(rebinding.statusCode, 421);
  assert.equal(rebinding.json().error.code, "host_not_allowed");
  const post = await app.inject({
    method: "POST",
    url: "/v1/codex/sessions",
    headers: { host: LOCAL_HOST, origin: "http://attacker.example", "content-type": "application/json" },
    payload: { cwd: "/tmp" }
  });
  assert.equal(post.statusCode, 403);
  assert.equal(post.json().error.code, "origin_not_allowed");
  const proxied = await app.inject({
    url: "/v1/codex/sessions",
    headers: { host: LOCAL_HOST, "x-forwarded-for": "203.0.113.9" }
  });
  assert.equal(proxied.statusCode, 401);
  assert.deepEqual(proxied.json(), UNAUTHORIZED);
  assert.equal(seen(), before, "nothing refused reached codexd");
  assert.equal(
    post.headers["access-control-allow-origin"],
    undefined,
    "no CORS headers without configured origins"
  );

  for (const headers of [
    { host: LOCAL_HOST },
    { host: "localhost:80" },
    { host: LOCAL_HOST, origin: "http://127.0.0.1" },
    { host: "localhost:80", origin: "http://localhost" }
  ]) {
    assert.equal(
      (await app.inject({ url: "/v1/codex/sessions", headers })).statusCode,
      200,
      JSON.stringify(headers)
    );
  }
  const tailnet = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: { host: "mini.tailnet.ts.net:4317", authorization: `Bearer ${TOKEN}` }
  });
  assert.equal(tailnet.statusCode, 200, "the token lifts the Host check");
  const proxiedWithToken = await app.inject({
    url: "/v1/codex/sessions",
    headers: { host: LOCAL_HOST, "x-forwarded-for": "203.0.113.9", authorization: `Bearer ${TOKEN}` }
  });
  assert.equal(proxiedWithToken.statusCode, 200);
  assert.equal(
    (await app.inject({ url: "/healthz", remoteAddress: REMOTE, headers: { host: "mini:4317" } })).statusCode,
    200,
    "probes stay open"
  );
});

test("BAA_TRUST_LOOPBACK=false and configured hosts and origins", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl, {
    trustLoopback: false,
    allowedHosts: ["mini.tailnet.ts.net"],
    allowedOrigins: ["https://dash.example"]
  });
  t.after(() => app.close());
  assert.equal(
    (await app.inject({ url: "/v1/codex/sessions", headers: { host: LOCAL_HOST } })).statusCode,
    401
  );
  assert.equal(
    (
      await app.inject({
        url: "/v1/codex/sessions",
        headers: { host: LOCAL_HOST, authorization: `Bearer ${TOKEN}` }
      })
    ).statusCode,
    200
  );
  const listed = await app.inject({
    url: "/v1/codex/sessions",
    headers: { host: "mini.tailnet.ts.net:4317" }
  });
  assert.equal(listed.statusCode, 401, "a listed Host passes the Host check, the token is still required");

  const preflight = await app.inject({
    method: "OPTIONS",
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: {
      host: "mini.tailnet.ts.net:4317",
      origin: "https://dash.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "authorization, content-type"
    }
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "https://dash.example");
  assert.match(String(preflight.headers["access-control-allow-headers"]), /authorization/);
  const cors = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: {
      host: "mini.tailnet.ts.net:4317",
      origin: "https://dash.example",
      authorization: `Bearer ${TOKEN}`
    }
  });
  assert.equal(cors.statusCode, 200);
  assert.equal(cors.headers["access-control-allow-origin"], "https://dash.example");
  const other = await app.inject({
    method: "OPTIONS",
    url: "/v1/codex/sessions",
    headers: { host: LOCAL_HOST, origin: "https://evil.example", "access-control-request-method": "POST" }
  });
  assert.equal(other.statusCode, 403);
  assert.equal(other.headers["access-control-allow-origin"], undefined);
});

test("browser guard on the relayed WebSocket: foreign Origin and foreign Host are refused before codexd", async (t) => {
  const codexd = await startFakeCodexd({ wsEventCount: 1 });
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl, { localApiBase: "http://127.0.0.1:0" });
  t.after(() => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const url = `ws://127.0.0.1:${port}/v1/codex/events`;

  for (const [headers, status, code] of [
    [{ origin: "http://attacker.example" }, 403, "origin_not_allowed"],
    [{ host: `attacker.example:${port}` }, 421, "host_not_allowed"]
  ] as const) {
    const refused = new WebSocket(url, { headers });
    refused.on("error", () => {});
    const [, response] = (await once(refused, "unexpected-response")) as [
      unknown,
      NodeJS.ReadableStream & { statusCode: number }
    ];
    let body = "";
    for await (const chunk of response) body += String(chunk);
    assert.equal(response.statusCode, status);
    assert.equal(JSON.parse(body).error.code, code);
    refused.terminate();
  }
  assert.equal(codexd.wsConnections.length, 0);

  for (const origin of [undefined, `http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
    const accepted = new WebSocket(url, origin === undefined ? {} : { origin });
    const [message] = (await once(accepted, "message")) as [Buffer];
    assert.equal((JSON.parse(message.toString()) as { seq: number }).seq, 1, String(origin));
    accepted.close();
    await once(accepted, "close");
  }
});

test("a short token given in code is never accepted, and the log says so without it", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const log = textSink();
  const app = buildApp(
    codexd.baseUrl,
    {},
    { sharedToken: "replace-me", logger: createConductorLogger({ destination: log }) }
  );
  t.after(() => app.close());
  await app.ready();
  const remote = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: { authorization: "Bearer replace-me" }
  });
  assert.equal(remote.statusCode, 401);
  assert.equal(
    (await app.inject({ url: "/v1/codex/sessions", headers: { host: LOCAL_HOST } })).statusCode,
    200,
    "loopback still works"
  );
  assert.match(log.read(), /shared token is too short/);
  assert.match(log.read(), /refused by the browser guard/);
  assert.doesNotMatch(log.read(), /replace-me/);
});

test("the node's registered address (BAA_NODE_ADDRESS) is one of its Host names, for a trusted peer without the token too", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  // A peer of a trusted network (BAA_TRUSTED_CIDRS) sends no token; its Host must be one of ours.
  const app = buildApp(
    codexd.baseUrl,
    { localApiBase: "http://0.0.0.0:4317", nodeAddress: "http://node-b.tailnet.example:4317" },
    { isTrustedAddress: () => true }
  );
  t.after(() => app.close());
  const byAddress = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: { host: "node-b.tailnet.example:4317" }
  });
  assert.equal(byAddress.statusCode, 200);
  const otherPort = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: { host: "node-b.tailnet.example:9999" }
  });
  assert.equal(otherPort.json().error.code, "host_not_allowed", "only the registered port");
  const stranger = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: { host: "node-c.tailnet.example:4317" }
  });
  assert.equal(stranger.json().error.code, "host_not_allowed");
  // The shared token, which forwarded requests carry, passes whatever the Host.
  const forwarded = await app.inject({
    url: "/v1/codex/sessions",
    remoteAddress: REMOTE,
    headers: {
      host: "node-c.tailnet.example:4317",
      authorization: "Bearer test-token-0123456789abcdef012345"
    }
  });
  assert.equal(forwarded.statusCode, 200);
});
