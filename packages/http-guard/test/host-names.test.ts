import assert from "node:assert/strict";
import test from "node:test";
import { isOwnHost, parseAllowedHost, parseHostName, type OwnHosts } from "../src/host-names.js";

const own = (overrides: Partial<OwnHosts> = {}): OwnHosts => ({
  port: 4317,
  listenHost: "127.0.0.1",
  allowedHosts: [],
  interfaceAddresses: () => ["127.0.0.1", "192.168.1.20", "fe80::1%eth0", "::1"],
  ...overrides
});

test("parses names, IPv4, bracketed IPv6, ports and a trailing dot", () => {
  assert.deepEqual(parseHostName("LocalHost:4317"), { hostname: "localhost", port: 4317 });
  assert.deepEqual(parseHostName("localhost.:4317"), { hostname: "localhost", port: 4317 });
  assert.deepEqual(parseHostName("[::1]:4317"), { hostname: "::1", port: 4317 });
  assert.deepEqual(parseHostName("10.0.0.1"), { hostname: "10.0.0.1", port: undefined });
  for (const bad of ["", "a b", "user@host", "host/path", "host:99999", "[zz]:1", "::1:4317", "host:", "-"]) {
    assert.equal(parseHostName(bad), undefined, bad);
  }
});

test("loopback names and addresses count only with the service's port", () => {
  for (const host of [
    "localhost:4317",
    "127.0.0.1:4317",
    "127.9.9.9:4317",
    "[::1]:4317",
    "app.localhost:4317"
  ]) {
    assert.equal(isOwnHost(host, own()), true, host);
  }
  for (const host of [
    "localhost:4318",
    "localhost",
    "127.0.0.1:80",
    undefined,
    "attacker.example:4317",
    "attacker.example"
  ]) {
    assert.equal(isOwnHost(host, own()), false, String(host));
  }
});

test("a specific listen address is one of the names; interface addresses are not", () => {
  const specific = own({ listenHost: "100.64.0.7" });
  assert.equal(isOwnHost("100.64.0.7:4317", specific), true);
  assert.equal(isOwnHost("192.168.1.20:4317", specific), false);
  assert.equal(isOwnHost("[fd7a::1]:4317", own({ listenHost: "[fd7a::1]" })), true);
});

test("a wildcard listen address accepts the machine's interface addresses, never names", () => {
  for (const listenHost of ["0.0.0.0", "::", "[::]"]) {
    const wildcard = own({ listenHost });
    assert.equal(isOwnHost("192.168.1.20:4317", wildcard), true, listenHost);
    assert.equal(isOwnHost("[fe80::1]:4317", wildcard), true, listenHost);
    assert.equal(isOwnHost("192.168.1.21:4317", wildcard), false, listenHost);
    assert.equal(isOwnHost("192.168.1.20:4318", wildcard), false, listenHost);
    assert.equal(isOwnHost("mini.example:4317", wildcard), false, listenHost);
  }
  let asked = 0;
  const counting = own({ listenHost: "127.0.0.1", interfaceAddresses: () => (asked++, []) });
  isOwnHost("192.168.1.20:4317", counting);
  assert.equal(asked, 0, "a specific listen address never lists interfaces");
});

test("allowed hosts: a bare name matches any port, name:port only that port", () => {
  const configured = own({
    allowedHosts: [parseAllowedHost("Mini.Tailnet.ts.net"), parseAllowedHost("dash.example:8443")]
  });
  assert.equal(isOwnHost("mini.tailnet.ts.net", configured), true);
  assert.equal(isOwnHost("mini.tailnet.ts.net:4317", configured), true);
  assert.equal(isOwnHost("dash.example:8443", configured), true);
  assert.equal(isOwnHost("dash.example:4317", configured), false);
  assert.throws(() => parseAllowedHost("http://mini"), /not a host name/);
});
