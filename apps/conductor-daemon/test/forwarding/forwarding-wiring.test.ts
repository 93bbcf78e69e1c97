import assert from "node:assert/strict";
import test from "node:test";
import type { ControlStore } from "@baa/control-store";
import { type ConductorAppDeps, createForwarding } from "../../src/app.js";
import { type ConductorConfigInput, normalizeConductorConfig } from "../../src/config.js";
import type { ControlPlane } from "../../src/control-plane.js";
import type { RunForwarding, RunForwardingOptions } from "../../src/forwarding/run-forwarding.js";
import { createSilentLogger } from "../../src/logger.js";

const noForwarding: RunForwarding = {
  install: () => undefined,
  remote: { attachStream: async () => false, nudgeCancel: async () => undefined },
  closeAll: () => undefined,
  streams: 0
};

// The app's wiring with a store of the given kind; returns what the run forwarding was given.
function wiredWith(config: ConductorConfigInput, kind: ControlStore["kind"] = "postgres") {
  const seen: RunForwardingOptions[] = [];
  const deps: ConductorAppDeps = {
    config: normalizeConductorConfig(config),
    sharedToken: "t".repeat(64),
    control: { store: { kind } } as unknown as ControlPlane,
    tasks: {} as NonNullable<ConductorAppDeps["tasks"]>
  };
  const forwarding = createForwarding(
    deps,
    createSilentLogger(),
    { relayCutOff: () => undefined },
    (options) => {
      seen.push(options);
      return noForwarding;
    }
  );
  return { forwarding, seen };
}

test("a forwarded request is bounded by forwardTimeoutMs, not by the codexd proxy timeout", () => {
  const { forwarding, seen } = wiredWith({
    proxyTimeoutMs: 9_000,
    forwardTimeoutMs: 4_000,
    codexdConnectTimeoutMs: 700
  });
  assert.equal(forwarding, noForwarding);
  assert.equal(seen.length, 1);
  assert.equal(seen[0]?.timeoutMs, 4_000);
  assert.equal(seen[0]?.connectTimeoutMs, 700);
});

test("unset, the forwarding's bound is 30 s as before; the proxy timeout no longer moves it", () => {
  assert.equal(wiredWith({}).seen[0]?.timeoutMs, 30_000);
  assert.equal(wiredWith({ proxyTimeoutMs: 5_000 }).seen[0]?.timeoutMs, 30_000);
});

test("one node on SQLite forwards nothing", () => {
  const { forwarding, seen } = wiredWith({ forwardTimeoutMs: 4_000 }, "sqlite");
  assert.equal(forwarding, undefined);
  assert.equal(seen.length, 0);
});
