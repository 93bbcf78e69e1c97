import assert from "node:assert/strict";
import test from "node:test";
import { isLoopbackAddress } from "@baa/net-trust";
import { createBearerCheck } from "../src/bearer-token.js";
import { decideAccess, type GuardPolicy, type GuardRequest } from "../src/decide.js";
import { createGuardPolicy } from "../src/install.js";
import { parseAllowedHost } from "../src/host-names.js";

const TOKEN = "0123456789abcdef0123456789abcdef";
const PORT = 4317;

const policy = (overrides: Partial<GuardPolicy> = {}): GuardPolicy => ({
  own: { port: PORT, listenHost: "127.0.0.1", allowedHosts: [], interfaceAddresses: () => [] },
  allowedOrigins: new Set(),
  openPaths: new Set(["/healthz"]),
  ...overrides
});
const withToken = (overrides: Partial<GuardPolicy> = {}) =>
  policy({
    auth: { isTrustedPeer: isLoopbackAddress, hasValidToken: createBearerCheck(TOKEN) },
    ...overrides
  });

const request = (headers: GuardRequest["headers"], extra: Partial<GuardRequest> = {}): GuardRequest => ({
  method: "GET",
  path: "/v1/codex/sessions",
  remoteAddress: "127.0.0.1",
  headers: { host: `127.0.0.1:${PORT}`, ...headers },
  ...extra
});
const outcome = (decision: ReturnType<typeof decideAccess>) =>
  decision.action === "refuse" ? decision.code : decision.action;

test("plain loopback clients pass: no Origin, own origin, localhost Host", () => {
  for (const p of [policy(), withToken()]) {
    assert.equal(outcome(decideAccess(request({}), p)), "allow");
    assert.equal(outcome(decideAccess(request({ host: `localhost:${PORT}` }), p)), "allow");
    assert.equal(
      outcome(decideAccess(request({ origin: `http://127.0.0.1:${PORT}` }, { method: "POST" }), p)),
      "allow"
    );
    assert.equal(outcome(decideAccess(request({ origin: `http://localhost:${PORT}` }), p)), "allow");
  }
});

test("DNS rebinding: a foreign Host is refused, same-origin or not", () => {
  for (const p of [policy(), withToken()]) {
    const host = `attacker.example:${PORT}`;
    assert.equal(outcome(decideAccess(request({ host }), p)), "host_not_allowed");
    assert.equal(
      outcome(decideAccess(request({ host, origin: `http://${host}` }, { method: "POST" }), p)),
      "host_not_allowed"
    );
    assert.equal(outcome(decideAccess(request({ host: undefined }), p)), "host_not_allowed");
  }
  const refused = decideAccess(request({ host: "attacker.example" }), policy());
  assert.equal(
    refused.action === "refuse" && refused.message.includes("bearer token"),
    false,
    "no token to send on a tokenless service"
  );
});

test("the valid token lifts the Host check; a wrong one does not", () => {
  const host = `mini.tailnet.ts.net:${PORT}`;
  assert.equal(
    outcome(
      decideAccess(
        request({ host, authorization: `Bearer ${TOKEN}` }, { remoteAddress: "100.64.0.9" }),
        withToken()
      )
    ),
    "allow"
  );
  assert.equal(
    outcome(
      decideAccess(
        request({ host, authorization: "Bearer nope" }, { remoteAddress: "100.64.0.9" }),
        withToken()
      )
    ),
    "host_not_allowed"
  );
  const listed = withToken({
    own: { ...withToken().own, allowedHosts: [parseAllowedHost("mini.tailnet.ts.net")] }
  });
  assert.equal(
    outcome(decideAccess(request({ host }, { remoteAddress: "100.64.0.9" }), listed)),
    "unauthorized",
    "listed Host, remote peer, no token"
  );
});

test("a foreign Origin is refused before anything else, token or not", () => {
  for (const p of [policy(), withToken()]) {
    const origin = "http://attacker.example";
    assert.equal(outcome(decideAccess(request({ origin }, { method: "POST" }), p)), "origin_not_allowed");
    assert.equal(
      outcome(decideAccess(request({ origin, authorization: `Bearer ${TOKEN}` }), p)),
      "origin_not_allowed"
    );
    assert.equal(outcome(decideAccess(request({ origin }, { path: "/healthz" }), p)), "origin_not_allowed");
    assert.equal(outcome(decideAccess(request({ origin: "null" }), p)), "origin_not_allowed");
  }
});

test("proxy headers from loopback: token required on a token service, refused on a tokenless one", () => {
  for (const name of ["forwarded", "x-forwarded-for", "x-real-ip", "x-forwarded-host", "x-forwarded-proto"]) {
    const proxied = request({ [name]: "203.0.113.9" });
    assert.equal(outcome(decideAccess(proxied, withToken())), "unauthorized", name);
    assert.equal(
      outcome(
        decideAccess(request({ [name]: "203.0.113.9", authorization: `Bearer ${TOKEN}` }), withToken())
      ),
      "allow",
      name
    );
    assert.equal(outcome(decideAccess(proxied, policy())), "forwarded_request_refused", name);
  }
});

test("remote peers need the token; probes stay open without Host check", () => {
  const remote = { remoteAddress: "192.168.1.50" };
  assert.equal(outcome(decideAccess(request({}, remote), withToken())), "unauthorized");
  assert.equal(
    outcome(decideAccess(request({ authorization: `Bearer ${TOKEN}` }, remote), withToken())),
    "allow"
  );
  assert.equal(
    outcome(decideAccess(request({ host: "mini:4317" }, { ...remote, path: "/healthz" }), withToken())),
    "allow"
  );
  const distrustLoopback = withToken({
    auth: { isTrustedPeer: () => false, hasValidToken: createBearerCheck(TOKEN) }
  });
  assert.equal(outcome(decideAccess(request({}), distrustLoopback)), "unauthorized");
});

test("configured origins get CORS answers and preflights; others get no CORS headers", () => {
  const origin = "https://dash.example";
  const p = withToken({ allowedOrigins: new Set([origin]) });
  const preflight = decideAccess(
    request(
      {
        origin,
        host: `mini:${PORT}`,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization"
      },
      { method: "OPTIONS", remoteAddress: "100.64.0.9" }
    ),
    p
  );
  assert.equal(preflight.action, "preflight");
  assert.equal(preflight.headers["access-control-allow-origin"], origin);
  assert.match(preflight.headers["access-control-allow-methods"] ?? "", /POST/);
  assert.match(preflight.headers["access-control-allow-headers"] ?? "", /authorization/);

  const actual = decideAccess(
    request(
      { origin, host: `mini:${PORT}`, authorization: `Bearer ${TOKEN}` },
      { method: "POST", remoteAddress: "100.64.0.9" }
    ),
    p
  );
  assert.deepEqual([actual.action, actual.headers["access-control-allow-origin"]], ["allow", origin]);
  const noToken = decideAccess(request({ origin }, { remoteAddress: "100.64.0.9" }), p);
  assert.deepEqual(
    [outcome(noToken), noToken.headers["access-control-allow-origin"]],
    ["unauthorized", origin]
  );

  const own = decideAccess(request({ origin: `http://127.0.0.1:${PORT}` }), p);
  assert.deepEqual(own.headers, {}, "own origin: same-origin, no CORS headers");
  assert.deepEqual(decideAccess(request({}), p).headers, {});
  const foreignPreflight = decideAccess(
    request(
      { origin: "https://other.example", "access-control-request-method": "POST" },
      { method: "OPTIONS" }
    ),
    p
  );
  assert.equal(outcome(foreignPreflight), "origin_not_allowed");
});

test("a self-authenticating route passes untouched; its neighbours do not", () => {
  const policy = createGuardPolicy({
    listen: { host: "127.0.0.1", port: 4317 },
    selfAuthenticating: new Set(["POST /v1/hooks/github"]),
    auth: { isTrustedPeer: () => false, hasValidToken: () => false },
    interfaceAddresses: () => []
  });
  const headers = {
    host: "hooks.example.org",
    origin: "https://evil.example",
    "x-forwarded-for": "203.0.113.9"
  };
  const allowed = decideAccess(
    { method: "POST", path: "/v1/hooks/github", remoteAddress: "127.0.0.1", headers },
    policy
  );
  assert.deepEqual(allowed, { action: "allow", headers: {} });
  for (const [method, path] of [
    ["GET", "/v1/hooks/github"],
    ["POST", "/v1/hooks/github/"],
    ["POST", "/v1/tasks"]
  ] as const) {
    assert.equal(
      decideAccess({ method, path, remoteAddress: "127.0.0.1", headers }, policy).action,
      "refuse",
      `${method} ${path}`
    );
  }
});
