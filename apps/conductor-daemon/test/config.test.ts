import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import test from "node:test";
import { ConductorConfigError, normalizeConductorConfig, resolveConductorConfig } from "../src/config.js";
import { captureError } from "./helpers/capture-error.js";

test("defaults apply when neither flags nor env say anything", () => {
  const config = resolveConductorConfig({ argv: [], env: {} });
  const repoRoot = process.cwd();
  assert.deepEqual(config, {
    nodeId: "mini-main",
    host: "mini",
    role: "primary",
    localApiBase: "http://127.0.0.1:4317",
    codexdLocalApiBase: "http://127.0.0.1:4319",
    controlApiBase: "https://conductor.makefile.so",
    trustedCidrs: [],
    allowedHosts: [],
    allowedOrigins: [],
    trustLoopback: true,
    repoRoot,
    paths: {
      stateDir: join(repoRoot, "state/conductor"),
      runsDir: join(repoRoot, "runs"),
      logsDir: join(repoRoot, "logs/conductor"),
      worktreesDir: join(repoRoot, "state/conductor/worktrees"),
      scratchDir: join(repoRoot, "state/conductor/scratch")
    },
    bodyLimitBytes: 1024 * 1024,
    proxyTimeoutMs: 30_000,
    codexdConnectTimeoutMs: 1_000,
    databaseSchema: "baa",
    storeConnectTimeoutMs: 2_000,
    storeQueryTimeoutMs: 5_000,
    leaseTtlMs: 15_000,
    maxConcurrentTasks: 2,
    execute: true,
    runLeaseTtlMs: 30_000,
    nodeLabels: [],
    forwardTimeoutMs: 30_000,
    maxQueuedTasks: 10_000,
    taskStallTimeoutMs: 600_000,
    taskRetryBaseMs: 10_000,
    taskRetryMaxMs: 600_000,
    quotaBackoffMs: 900_000,
    schedulerPollMs: 1_000,
    runProgressMs: 1_000,
    worktreeRetentionMs: 24 * 60 * 60 * 1000,
    gitAuthor: "baa-conductor <baa@localhost>",
    diffMaxBytes: 1024 * 1024,
    githubApiUrl: "https://api.github.com",
    githubRepos: [],
    githubPollMs: 60_000,
    notifyUrls: [],
    notifyRetryForMs: 3_600_000,
    notifyTimeoutMs: 10_000,
    logLevel: "info"
  });
  assert.equal("sharedToken" in config && config.sharedToken !== undefined, false);
  assert.ok(Object.isFrozen(config));
  assert.ok(Object.isFrozen(config.paths));
  assert.ok(Object.isFrozen(config.trustedCidrs));
});

test("env overrides defaults and flags override env", () => {
  const env = {
    BAA_NODE_ID: "env-node",
    BAA_NODE_HOST: "env-host",
    BAA_CONDUCTOR_ROLE: "standby",
    BAA_CONDUCTOR_LOCAL_API: "http://127.0.0.1:5000",
    BAA_CODEXD_LOCAL_API_BASE: "http://127.0.0.1:5001",
    BAA_CONTROL_API_BASE: "https://env.example",
    BAA_SHARED_TOKEN: "env-token-0123456789abcdef0123456789",
    BAA_TRUSTED_CIDRS: "100.64.0.0/10, fd7a:115c:a1e0::/48",
    BAA_REPO_ROOT: "/srv/repo",
    BAA_STATE_DIR: "custom/state",
    BAA_RUNS_DIR: "/abs/runs",
    BAA_CONDUCTOR_PROXY_TIMEOUT_MS: "5000"
  };
  const fromEnv = resolveConductorConfig({ argv: [], env });
  assert.equal(fromEnv.nodeId, "env-node");
  assert.equal(fromEnv.host, "env-host");
  assert.equal(fromEnv.role, "standby");
  assert.equal(fromEnv.localApiBase, "http://127.0.0.1:5000");
  assert.equal(fromEnv.codexdLocalApiBase, "http://127.0.0.1:5001");
  assert.equal(fromEnv.controlApiBase, "https://env.example");
  assert.equal(fromEnv.sharedToken, "env-token-0123456789abcdef0123456789");
  assert.deepEqual(fromEnv.trustedCidrs, ["100.64.0.0/10", "fd7a:115c:a1e0::/48"]);
  assert.equal(fromEnv.repoRoot, "/srv/repo");
  assert.equal(fromEnv.paths.stateDir, "/srv/repo/custom/state");
  assert.equal(fromEnv.paths.runsDir, "/abs/runs");
  assert.equal(fromEnv.paths.logsDir, "/srv/repo/logs/conductor");
  assert.equal(fromEnv.proxyTimeoutMs, 5000);

  const fromFlags = resolveConductorConfig({
    argv: [
      "--node-id",
      "flag-node",
      "--role=primary",
      "--control-api-base",
      "https://flag.example",
      "--trusted-cidrs",
      "10.0.0.0/8",
      "--proxy-timeout-ms",
      "250"
    ],
    env
  });
  assert.equal(fromFlags.nodeId, "flag-node");
  assert.equal(fromFlags.role, "primary");
  assert.equal(fromFlags.controlApiBase, "https://flag.example");
  assert.deepEqual(fromFlags.trustedCidrs, ["10.0.0.0/8"]);
  assert.equal(fromFlags.proxyTimeoutMs, 250);
  assert.equal(fromFlags.host, "env-host");
});

test("empty env values count as unset", () => {
  const config = resolveConductorConfig({ argv: [], env: { BAA_SHARED_TOKEN: "", BAA_CONDUCTOR_ROLE: "" } });
  assert.equal(config.sharedToken, undefined);
  assert.equal(config.role, "primary");
});

test("one error lists every bad key, flag and argument", () => {
  const error = captureError(() =>
    resolveConductorConfig({
      argv: ["--role", "boss", "--bogus", "1", "stray"],
      env: {
        BAA_CONDUCTOR_LOCAL_API: "not a url",
        BAA_TRUSTED_CIDRS: "10.0.0.0/8,nope",
        BAA_CONDUCTOR_BODY_LIMIT_BYTES: "lots",
        BAA_CODEXD_CONNECT_TIMEOUT_MS: "0"
      }
    })
  );
  assert.ok(error instanceof ConductorConfigError);
  const text = error.message;
  for (const fragment of [
    "--bogus",
    "stray",
    "role",
    "localApiBase",
    "trustedCidrs",
    "bodyLimitBytes",
    "codexdConnectTimeoutMs"
  ]) {
    assert.match(text, new RegExp(fragment.replace(/-/g, "\\-")), `missing ${fragment} in: ${text}`);
  }
  assert.ok(error.problems.length >= 7, text);
});

test("localApiBase must be a bare http origin", () => {
  const error = captureError(() => normalizeConductorConfig({ localApiBase: "http://127.0.0.1:4317/api" }));
  assert.match(String(error), /localApiBase/);
});

test("a partial object like the seed's is completed with defaults", () => {
  const config = normalizeConductorConfig({
    codexdLocalApiBase: "http://127.0.0.1:9999",
    controlApiBase: "https://conductor.makefile.so",
    host: "mini",
    localApiBase: "http://127.0.0.1:0",
    nodeId: "mini-main",
    paths: { runsDir: "/tmp/x/runs", stateDir: "/tmp/x/state" },
    role: "primary",
    sharedToken: "replace-me"
  });
  assert.equal(config.paths.stateDir, "/tmp/x/state");
  assert.equal(config.paths.logsDir, resolve(process.cwd(), "logs/conductor"));
  assert.equal(config.bodyLimitBytes, 1024 * 1024);
  assert.deepEqual(config.trustedCidrs, []);
  assert.deepEqual(normalizeConductorConfig(config), config, "normalizing twice changes nothing");
});

test("unknown keys in an object are rejected by name", () => {
  const error = captureError(() =>
    normalizeConductorConfig({ nodeID: "x", paths: { stateDirectory: "y" } } as never)
  );
  assert.match(String(error), /nodeID/);
  assert.match(String(error), /paths\.stateDirectory/);
});
