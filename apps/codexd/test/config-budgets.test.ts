import assert from "node:assert/strict";
import test from "node:test";
import { ConfigError, resolveCodexdConfig } from "../src/config.js";

test("byte budgets: defaults, env vars (an empty value is unset), and a bad value named by its variable", () => {
  const defaults = resolveCodexdConfig({ env: {}, repoRoot: "/tmp/x" }).limits;
  assert.equal(defaults.recentEventsMaxBytes, 4 * 1024 * 1024);
  assert.equal(defaults.eventTextMaxBytes, 16 * 1024);
  assert.equal(defaults.sessionEventsMaxBytes, 1024 * 1024);
  assert.equal(defaults.sessionCacheMaxBytes, 16 * 1024 * 1024);
  assert.equal(defaults.sessionRegistryMaxBytes, 8 * 1024 * 1024);
  assert.equal(defaults.approvalsMaxBytes, 4 * 1024 * 1024);
  const set = resolveCodexdConfig({
    repoRoot: "/tmp/x",
    env: {
      BAA_CODEXD_RECENT_EVENTS_MAX_BYTES: "65536",
      BAA_CODEXD_EVENT_TEXT_MAX_BYTES: "2048",
      BAA_CODEXD_APPROVALS_MAX_BYTES: ""
    }
  }).limits;
  assert.equal(set.recentEventsMaxBytes, 65536);
  assert.equal(set.eventTextMaxBytes, 2048);
  assert.equal(set.approvalsMaxBytes, 4 * 1024 * 1024);
  assert.throws(
    () => resolveCodexdConfig({ repoRoot: "/tmp/x", env: { BAA_CODEXD_SESSION_REGISTRY_MAX_BYTES: "lots" } }),
    (error: unknown) =>
      error instanceof ConfigError && /BAA_CODEXD_SESSION_REGISTRY_MAX_BYTES/.test(error.message)
  );
});
