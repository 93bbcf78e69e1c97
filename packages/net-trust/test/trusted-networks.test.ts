import assert from "node:assert/strict";
import test from "node:test";
import { isLoopbackAddress, isLoopbackHost } from "../src/loopback.js";
import { TrustedNetworks, parseCidr } from "../src/trusted-networks.js";

test("loopback names and addresses", () => {
  for (const host of ["localhost", "127.0.0.1", "127.8.9.1", "[::1]", "::1", "api.localhost"])
    assert.ok(isLoopbackHost(host), host);
  for (const host of ["0.0.0.0", "10.0.0.1", "example.com", "::", "128.0.0.1"])
    assert.ok(!isLoopbackHost(host), host);
  assert.ok(isLoopbackAddress("::ffff:127.0.0.1"));
});

test("trusted networks: loopback always, CIDRs as configured, v4-mapped v6 addresses too", () => {
  const trusted = new TrustedNetworks(["100.64.0.0/10", "fd7a:115c:a1e0::/48"]);
  assert.ok(trusted.has("127.0.0.1"));
  assert.ok(trusted.has("100.71.210.78"));
  assert.ok(trusted.has("::ffff:100.71.210.78"));
  assert.ok(trusted.has("fd7a:115c:a1e0::1"));
  assert.ok(!trusted.has("192.168.1.5"));
  assert.ok(!trusted.has(undefined));
  assert.ok(!trusted.has("not-an-ip"));
});

test("a bad CIDR is refused with the value in the message", () => {
  assert.throws(() => parseCidr("10.0.0.0/33"), /10\.0\.0\.0\/33/);
  assert.throws(() => parseCidr("nope"), /nope/);
  assert.deepEqual(parseCidr("10.1.2.3"), { network: "10.1.2.3", prefix: 32, family: "ipv4" });
});
