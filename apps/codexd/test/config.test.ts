import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { ConfigError, resolveCodexdConfig } from "../src/config.js";

test("defaults put logs and state under the repo root and spawn `codex app-server`", () => {
  const config = resolveCodexdConfig({ repoRoot: "/srv/baa", env: {} });
  assert.equal(config.nodeId, "mini-main");
  assert.equal(config.service.localApiBase, "http://127.0.0.1:4319");
  assert.equal(config.service.eventStreamPath, "/v1/codexd/events");
  assert.equal(config.paths.logsRootDir, "/srv/baa/logs/codexd");
  assert.equal(config.paths.stateRootDir, "/srv/baa/state/codexd");
  assert.equal(config.paths.daemonStatePath, "/srv/baa/state/codexd/daemon-state.json");
  assert.equal(config.paths.structuredEventLogPath, "/srv/baa/logs/codexd/events.jsonl");
  assert.deepEqual(
    { ...config.server, childArgs: [...config.server.childArgs] },
    {
      mode: "app-server",
      endpoint: "stdio://codex-app-server",
      childStrategy: "spawn",
      childCommand: "codex",
      childArgs: ["app-server"],
      childCwd: "/srv/baa"
    }
  );
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.paths));
});

test("explicit fields beat flags, flags beat env, env beats defaults", () => {
  const env = {
    BAA_NODE_ID: "env-node",
    BAA_CODEXD_LOGS_DIR: "/env/logs",
    BAA_CODEXD_STATE_DIR: "/env/state"
  };
  const config = resolveCodexdConfig({
    repoRoot: "/r",
    env,
    argv: [
      "--logs-dir",
      "/flag/logs",
      "--node-id",
      "flag-node",
      "--log-level",
      "debug",
      "--server-arg",
      "app-server",
      "--server-arg",
      "-c",
      "--server-arg",
      "x=1"
    ],
    nodeId: "explicit-node"
  });
  assert.equal(config.nodeId, "explicit-node");
  assert.equal(config.paths.logsRootDir, "/flag/logs");
  assert.equal(config.paths.stateRootDir, "/env/state");
  assert.deepEqual([...config.server.childArgs], ["app-server", "-c", "x=1"]);
});

test("relative dirs resolve against the repo root", () => {
  const config = resolveCodexdConfig({ repoRoot: "/r", env: {}, logsDir: "var/logs" });
  assert.equal(config.paths.logsRootDir, join("/r", "var/logs"));
});

test("a non-loopback local API base is refused with a message naming the variable", () => {
  assert.throws(
    () => resolveCodexdConfig({ env: { BAA_CODEXD_LOCAL_API_BASE: "http://0.0.0.0:4319" } }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /BAA_CODEXD_LOCAL_API_BASE/.test(error.message) &&
      /loopback/.test(error.message)
  );
  for (const ok of ["http://localhost:1", "http://[::1]:4319", "http://127.0.0.2:9"]) {
    assert.equal(resolveCodexdConfig({ env: {}, localApiBase: ok }).service.localApiBase, ok);
  }
});

test("every bad key is reported at once", () => {
  try {
    resolveCodexdConfig({
      env: { BAA_CODEXD_BODY_LIMIT_BYTES: "-1" },
      localApiBase: "not a url",
      serverStrategy: "fork"
    });
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.problems.length, 3, error.message);
  }
});

test("unknown flags are a config error, not ignored", () => {
  assert.throws(() => resolveCodexdConfig({ env: {}, argv: ["--no-such-flag"] }), ConfigError);
});

test("allowed hosts and origins come from input, flags or env; bad entries are named with their source", () => {
  assert.deepEqual(resolveCodexdConfig({ repoRoot: "/srv/baa", env: {} }).service.allowedHosts, []);
  const fromEnv = resolveCodexdConfig({
    repoRoot: "/srv/baa",
    env: { BAA_ALLOWED_HOSTS: "codexd.internal, mini:4319", BAA_ALLOWED_ORIGINS: "https://dash.example" }
  });
  assert.deepEqual(fromEnv.service.allowedHosts, ["codexd.internal", "mini:4319"]);
  assert.deepEqual(fromEnv.service.allowedOrigins, ["https://dash.example"]);
  const fromFlags = resolveCodexdConfig({
    repoRoot: "/srv/baa",
    argv: ["--allowed-hosts", "a.example", "--allowed-origins", "http://b.example:8080"],
    env: { BAA_ALLOWED_HOSTS: "ignored.example" }
  });
  assert.deepEqual(fromFlags.service.allowedHosts, ["a.example"]);
  assert.deepEqual(fromFlags.service.allowedOrigins, ["http://b.example:8080"]);
  assert.deepEqual(
    resolveCodexdConfig({ repoRoot: "/srv/baa", env: { BAA_ALLOWED_HOSTS: "" } }).service.allowedHosts,
    [],
    "empty means unset"
  );

  assert.throws(
    () =>
      resolveCodexdConfig({
        repoRoot: "/srv/baa",
        env: { BAA_ALLOWED_HOSTS: "ok.example,http://bad/", BAA_ALLOWED_ORIGINS: "dash.example" }
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.includes("service.allowedHosts.1 (--allowed-hosts / BAA_ALLOWED_HOSTS)") &&
      error.message.includes("service.allowedOrigins.0 (--allowed-origins / BAA_ALLOWED_ORIGINS)")
  );
});

test("an empty or blank env value means unset, for every setting", () => {
  const blank = Object.fromEntries(
    [
      "BAA_REPO_ROOT",
      "BAA_CODEXD_LOGS_DIR",
      "BAA_CODEXD_LOCAL_API_BASE",
      "BAA_CODEXD_SERVER_ARGS",
      "BAA_CODEXD_DEMO",
      "BAA_CODEXD_LOG_LEVEL",
      "BAA_ALLOWED_HOSTS",
      "BAA_CODEXD_BODY_LIMIT_BYTES",
      "BAA_CODEXD_RESTART_BASE_MS",
      "BAA_CODEXD_CRASH_LOOP_LIMIT",
      "BAA_CODEXD_APPROVALS_MAX_BYTES",
      "BAA_NODE_ID"
    ].map((name, i) => [name, i % 2 === 0 ? "" : "  "])
  );
  const config = resolveCodexdConfig({ repoRoot: "/srv/baa", env: blank });
  const defaults = resolveCodexdConfig({ repoRoot: "/srv/baa", env: {} });
  assert.deepEqual(config, defaults);
  assert.equal(config.restart.baseDelayMs, 500);
  assert.deepEqual([...config.server.childArgs], ["app-server"]);
});

test("env values are typed by the table; one that does not fit is named with its flag and env var", () => {
  const config = resolveCodexdConfig({
    repoRoot: "/r",
    env: {
      BAA_CODEXD_DEMO: "yes",
      BAA_CODEXD_RESTART_BASE_MS: "250",
      BAA_CODEXD_SERVER_ARGS: "app-server -c x=1"
    }
  });
  assert.equal(config.demo, true);
  assert.equal(config.restart.baseDelayMs, 250);
  assert.deepEqual([...config.server.childArgs], ["app-server", "-c", "x=1"]);
  try {
    resolveCodexdConfig({
      repoRoot: "/r",
      env: { BAA_CODEXD_DEMO: "maybe", BAA_CODEXD_RESTART_BASE_MS: "soon" }
    });
    assert.fail("expected a ConfigError");
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.deepEqual(
      error.problems.map((problem) => problem.split(":")[0]),
      ["demo (--demo / BAA_CODEXD_DEMO)", "restart.baseDelayMs (BAA_CODEXD_RESTART_BASE_MS)"]
    );
  }
});
