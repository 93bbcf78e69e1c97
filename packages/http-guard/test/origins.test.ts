import assert from "node:assert/strict";
import test from "node:test";
import type { OwnHosts } from "../src/host-names.js";
import { classifyOrigin, parseAllowedOrigin } from "../src/origins.js";

const own: OwnHosts = { port: 4319, listenHost: "127.0.0.1", allowedHosts: [], interfaceAddresses: () => [] };
const none = new Set<string>();

test("no Origin is absent; the service's own origins are own", () => {
  assert.equal(classifyOrigin(undefined, "127.0.0.1:4319", own, none), "absent");
  assert.equal(classifyOrigin("http://127.0.0.1:4319", "127.0.0.1:4319", own, none), "own");
  assert.equal(classifyOrigin("http://localhost:4319", "127.0.0.1:4319", own, none), "own");
  // Same authority as the Host: the Host check decides whether that name is acceptable.
  assert.equal(classifyOrigin("https://mini.tailnet.ts.net", "mini.tailnet.ts.net", own, none), "own");
});

test("other pages, other ports, null and malformed origins are foreign", () => {
  for (const origin of [
    "http://attacker.example",
    "http://localhost:4318",
    "https://localhost:4319",
    "null",
    "",
    "file://",
    "http://a b"
  ]) {
    assert.equal(classifyOrigin(origin, "127.0.0.1:4319", own, none), "foreign", origin);
  }
});

test("configured origins are allowed, compared in serialized form", () => {
  const allowed = new Set([parseAllowedOrigin("HTTPS://Dash.Example:443/")]);
  assert.deepEqual([...allowed], ["https://dash.example"]);
  assert.equal(classifyOrigin("https://dash.example", "127.0.0.1:4319", own, allowed), "allowed");
  assert.equal(classifyOrigin("https://dash.example:8443", "127.0.0.1:4319", own, allowed), "foreign");
  for (const bad of [
    "dash.example",
    "https://dash.example/path",
    "ftp://dash.example",
    "https://u:p@dash.example",
    "null"
  ]) {
    assert.throws(() => parseAllowedOrigin(bad), /not an origin/, bad);
  }
});
