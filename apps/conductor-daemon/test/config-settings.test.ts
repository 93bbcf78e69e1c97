// Each area's settings (browser guard, store and queue, tasks, review, notifications, cluster,
// forwarding): where they come from and how a bad one is named. The mechanism (defaults,
// precedence, one error for every bad key) is config.test.ts's.
import assert from "node:assert/strict";
import test from "node:test";
import { ConductorConfigError, resolveConductorConfig } from "../src/config.js";
import { captureError } from "./helpers/capture-error.js";

test("browser-guard settings come from env and flags; bad entries and a short token are named", () => {
  const config = resolveConductorConfig({
    argv: ["--trust-loopback", "false"],
    env: {
      BAA_ALLOWED_HOSTS: "mini.tailnet.ts.net, dash.example:8443",
      BAA_ALLOWED_ORIGINS: "https://dash.example"
    }
  });
  assert.deepEqual(config.allowedHosts, ["mini.tailnet.ts.net", "dash.example:8443"]);
  assert.deepEqual(config.allowedOrigins, ["https://dash.example"]);
  assert.equal(config.trustLoopback, false);
  assert.ok(Object.isFrozen(config.allowedHosts) && Object.isFrozen(config.allowedOrigins));
  assert.equal(resolveConductorConfig({ env: { BAA_TRUST_LOOPBACK: "true" } }).trustLoopback, true);

  const error = captureError(() =>
    resolveConductorConfig({
      env: {
        BAA_ALLOWED_HOSTS: "http://mini/",
        BAA_ALLOWED_ORIGINS: "dash.example",
        BAA_TRUST_LOOPBACK: "maybe",
        BAA_SHARED_TOKEN: "short-but-secret"
      }
    })
  );
  assert.ok(error instanceof ConductorConfigError);
  for (const fragment of [
    "allowedHosts.0 (--allowed-hosts / BAA_ALLOWED_HOSTS)",
    "allowedOrigins.0",
    "trustLoopback",
    "sharedToken (BAA_SHARED_TOKEN): must be at least 32 characters (got 16)"
  ]) {
    assert.ok(error.message.includes(fragment), `missing ${fragment} in: ${error.message}`);
  }
  assert.ok(!error.message.includes("short-but-secret"), "the token itself is never repeated");
});

test("store, lease and queue settings come from env and flags; the database URL from env only", () => {
  const config = resolveConductorConfig({
    argv: ["--lease-ttl-ms", "900", "--max-concurrent-tasks", "3"],
    env: {
      BAA_DATABASE_URL: "postgres://postgres@127.0.0.1:5432/test",
      BAA_DATABASE_SCHEMA: "node_a",
      BAA_LEASE_TTL_MS: "5000",
      BAA_MAX_QUEUED_TASKS: "7",
      BAA_STORE_CONNECT_TIMEOUT_MS: "250",
      BAA_STORE_QUERY_TIMEOUT_MS: "400"
    }
  });
  assert.equal(config.databaseUrl, "postgres://postgres@127.0.0.1:5432/test");
  assert.equal(config.databaseSchema, "node_a");
  assert.equal(config.leaseTtlMs, 900, "the flag wins");
  assert.equal(config.maxConcurrentTasks, 3);
  assert.equal(config.maxQueuedTasks, 7);
  assert.equal(config.storeConnectTimeoutMs, 250);
  assert.equal(config.storeQueryTimeoutMs, 400);
  assert.throws(
    () =>
      resolveConductorConfig({
        argv: [],
        env: { BAA_DATABASE_URL: "mysql://x", BAA_DATABASE_SCHEMA: "Bad-Name", BAA_LEASE_TTL_MS: "10" }
      }),
    (error: Error) =>
      /databaseUrl \(BAA_DATABASE_URL\)/.test(error.message) &&
      /databaseSchema \(--database-schema \/ BAA_DATABASE_SCHEMA\)/.test(error.message) &&
      /leaseTtlMs \(--lease-ttl-ms \/ BAA_LEASE_TTL_MS\)/.test(error.message)
  );
  assert.throws(
    () => resolveConductorConfig({ argv: ["--database-url", "postgres://x/y"], env: {} }),
    /unknown flag --database-url/
  );
});

test("task keys: env and flags, the worktrees dir follows the state dir unless set", () => {
  const config = resolveConductorConfig({
    argv: ["--task-stall-timeout-ms", "5000", "--worktrees-dir", "/abs/wt"],
    env: { BAA_TASK_TIMEOUT_MS: "60000", BAA_WORKTREE_RETENTION_MS: "0", BAA_TASK_STALL_TIMEOUT_MS: "9" }
  });
  assert.equal(config.taskStallTimeoutMs, 5000);
  assert.equal(config.taskTimeoutMs, 60_000);
  assert.equal(config.worktreeRetentionMs, 0);
  assert.equal(config.paths.worktreesDir, "/abs/wt");
  const follows = resolveConductorConfig({ argv: [], env: { BAA_STATE_DIR: "/srv/state" } });
  assert.equal(follows.paths.worktreesDir, "/srv/state/worktrees");
  assert.throws(
    () => resolveConductorConfig({ argv: [], env: { BAA_SCHEDULER_POLL_MS: "soon" } }),
    /schedulerPollMs \(--scheduler-poll-ms \/ BAA_SCHEDULER_POLL_MS\)/
  );
});

test("review settings: the git author must be `Name <email>`; the GitHub token comes from the environment only", () => {
  const config = resolveConductorConfig({
    argv: [
      "--git-author",
      "Ada <ada@example.test>",
      "--diff-max-bytes",
      "4096",
      "--github-api-url",
      "https://ghe.example.test/api/v3"
    ],
    env: { BAA_GITHUB_TOKEN: "ghp_secret_value" }
  });
  assert.equal(config.gitAuthor, "Ada <ada@example.test>");
  assert.equal(config.diffMaxBytes, 4096);
  assert.equal(config.githubApiUrl, "https://ghe.example.test/api/v3");
  assert.equal(config.githubToken, "ghp_secret_value");
  assert.throws(
    () => resolveConductorConfig({ argv: ["--git-author", "no email here"], env: {} }),
    /gitAuthor \(--git-author/
  );
  assert.throws(() => resolveConductorConfig({ argv: ["--github-token", "x"], env: {} }), /github-token/);
});

test("notification URLs come comma-separated from BAA_NOTIFY_URLS or --notify-urls; the secret only from the environment", () => {
  const config = resolveConductorConfig({
    argv: ["--notify-retry-for-ms", "60000"],
    env: {
      BAA_NOTIFY_URLS: "https://hooks.example/a, http://127.0.0.1:9/b",
      BAA_NOTIFY_SECRET: "s3cret",
      BAA_NOTIFY_TIMEOUT_MS: "2500"
    }
  });
  assert.deepEqual(config.notifyUrls, ["https://hooks.example/a", "http://127.0.0.1:9/b"]);
  assert.equal(config.notifySecret, "s3cret");
  assert.equal(config.notifyRetryForMs, 60_000);
  assert.equal(config.notifyTimeoutMs, 2_500);
  assert.deepEqual(
    resolveConductorConfig({ argv: ["--notify-urls", "https://x.example/h"], env: {} }).notifyUrls,
    ["https://x.example/h"]
  );
  assert.throws(
    () => resolveConductorConfig({ argv: [], env: { BAA_NOTIFY_URLS: "ftp://nope.example/x" } }),
    /notifyUrls.*BAA_NOTIFY_URLS/s
  );
  assert.throws(() => resolveConductorConfig({ argv: ["--notify-secret", "x"], env: {} }));
});

test("cluster settings: BAA_EXECUTE, BAA_RUN_LEASE_TTL_MS, BAA_NODE_LABELS and BAA_NODE_ADDRESS, flags over env", () => {
  const config = resolveConductorConfig({
    argv: ["--run-lease-ttl-ms", "3000"],
    env: {
      BAA_EXECUTE: "false",
      BAA_RUN_LEASE_TTL_MS: "9000",
      BAA_NODE_LABELS: "gpu, macos",
      BAA_NODE_ADDRESS: "http://mini.tailnet.ts.net:4317"
    }
  });
  assert.equal(config.execute, false);
  assert.equal(config.runLeaseTtlMs, 3000, "the flag wins");
  assert.deepEqual(config.nodeLabels, ["gpu", "macos"]);
  assert.equal(config.nodeAddress, "http://mini.tailnet.ts.net:4317");
  assert.ok(Object.isFrozen(config.nodeLabels));
  const defaults = resolveConductorConfig({ argv: [], env: {} });
  assert.equal(defaults.execute, true);
  assert.equal(defaults.runLeaseTtlMs, 30_000);
  assert.equal(defaults.nodeAddress, undefined, "the listen address is used once listening");
  assert.throws(
    () =>
      resolveConductorConfig({
        argv: [],
        env: { BAA_RUN_LEASE_TTL_MS: "100", BAA_NODE_ADDRESS: "not a url" }
      }),
    /runLeaseTtlMs.*nodeAddress|nodeAddress.*runLeaseTtlMs/s
  );
  assert.throws(() => resolveConductorConfig({ argv: ["--execute", "maybe"], env: {} }), /execute/);
});

test("BAA_WORK_REMOTE or --work-remote names the shared remote of task branches; a name that is no remote is refused", () => {
  assert.equal(resolveConductorConfig({ argv: [], env: { BAA_WORK_REMOTE: "origin" } }).workRemote, "origin");
  assert.equal(
    resolveConductorConfig({ argv: ["--work-remote", "shared"], env: { BAA_WORK_REMOTE: "origin" } })
      .workRemote,
    "shared",
    "the flag wins"
  );
  assert.equal(resolveConductorConfig({ argv: [], env: {} }).workRemote, undefined);
  assert.throws(
    () => resolveConductorConfig({ argv: [], env: { BAA_WORK_REMOTE: "-u evil" } }),
    /workRemote/
  );
});

test("BAA_FORWARD_TIMEOUT_MS or --forward-timeout-ms bounds a forwarded request, apart from the proxy timeout", () => {
  const defaults = resolveConductorConfig({ argv: [], env: {} });
  assert.equal(defaults.forwardTimeoutMs, 30_000);
  assert.equal(
    defaults.forwardTimeoutMs,
    defaults.proxyTimeoutMs,
    "the proxy timeout's default: no change unless set"
  );
  const fromEnv = resolveConductorConfig({
    argv: [],
    env: { BAA_FORWARD_TIMEOUT_MS: "4000", BAA_CONDUCTOR_PROXY_TIMEOUT_MS: "9000" }
  });
  assert.equal(fromEnv.forwardTimeoutMs, 4_000);
  assert.equal(fromEnv.proxyTimeoutMs, 9_000);
  const onlyProxy = resolveConductorConfig({ argv: ["--proxy-timeout-ms", "9000"], env: {} });
  assert.equal(onlyProxy.forwardTimeoutMs, 30_000, "the proxy timeout does not move it");
  const fromFlag = resolveConductorConfig({
    argv: ["--forward-timeout-ms", "1500"],
    env: { BAA_FORWARD_TIMEOUT_MS: "4000" }
  });
  assert.equal(fromFlag.forwardTimeoutMs, 1_500, "the flag wins");
  for (const bad of ["0", "-5", "1.5", "soon"]) {
    assert.throws(
      () => resolveConductorConfig({ argv: [], env: { BAA_FORWARD_TIMEOUT_MS: bad } }),
      /forwardTimeoutMs \(--forward-timeout-ms \/ BAA_FORWARD_TIMEOUT_MS\)/,
      `refuses ${bad}`
    );
  }
  assert.throws(
    () => resolveConductorConfig({ argv: ["--forward-timeout-ms", "0"], env: {} }),
    /forwardTimeoutMs \(--forward-timeout-ms \/ BAA_FORWARD_TIMEOUT_MS\)/
  );
});
