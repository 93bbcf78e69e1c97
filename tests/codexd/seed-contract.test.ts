import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import * as codexdModule from "../../apps/codexd/dist/index.js";
import * as conductorModule from "../../apps/conductor-daemon/dist/index.js";
import { eventually, getJson, postJson } from "../support/http.js";

// The seed's programmatic contract (SPEC §2.4), checked with our own fakes: what the built
// packages export, the config they resolve, the CLI's status, and the proxy's summary keys.

const { CodexdLocalService, resolveCodexdConfig, runCodexdCli } = codexdModule;
const { ConductorRuntime } = conductorModule;

class StubChild extends EventEmitter {
  pid = 31337;
  stdin = { write: () => true, end: () => {} };
  stdout = new EventEmitter();
  stderr = new EventEmitter();
  kill(signal = "SIGTERM") {
    this.emit("exit", 0, signal);
    return true;
  }
}

/** Threads and turns by counter; each turn completes on the next microtask. */
function stubAppServer() {
  const listeners = new Set<(event: any) => void>();
  const emit = (method: string, params: object) => {
    for (const l of listeners)
      l({ ...params, notificationMethod: method, type: method.replaceAll("/", ".") });
  };
  let threads = 0;
  let turns = 0;
  return {
    events: {
      subscribe: (l: (e: any) => void) => (listeners.add(l), { unsubscribe: () => listeners.delete(l) })
    },
    initialize: async () => ({ userAgent: "stub" }),
    threadStart: async (p: any) => ({ thread: { id: `t${++threads}` }, cwd: p.cwd, model: p.model ?? "m" }),
    threadResume: async (p: any) => ({ thread: { id: p.threadId } }),
    turnStart: async (p: any) => {
      const turn = { id: `turn-${++turns}`, status: "inProgress" };
      queueMicrotask(() =>
        emit("turn/completed", { threadId: p.threadId, turn: { ...turn, status: "completed" } })
      );
      return { turn };
    },
    turnSteer: async (p: any) => ({ turnId: p.expectedTurnId }),
    turnInterrupt: async () => ({}),
    close: async () => {}
  };
}

test("the built packages export the seed's entry points", () => {
  assert.equal(typeof CodexdLocalService, "function");
  assert.equal(typeof resolveCodexdConfig, "function");
  assert.equal(typeof runCodexdCli, "function");
  assert.equal(typeof ConductorRuntime, "function");
});

test("config fields and defaults match the seed", () => {
  const dir = makeTempDir("baa-seed-config-");
  try {
    const config = resolveCodexdConfig({ repoRoot: dir.root, env: {} });
    assert.equal(config.nodeId, "mini-main");
    assert.equal(config.service.localApiBase, "http://127.0.0.1:4319");
    assert.equal(config.service.eventStreamPath, "/v1/codexd/events");
    assert.equal(config.server.mode, "app-server");
    assert.equal(config.server.childStrategy, "spawn");
    assert.equal(config.server.childCommand, "codex");
    assert.deepEqual([...config.server.childArgs], ["app-server"]);
    assert.equal(config.server.childCwd, dir.root);
    assert.equal(config.paths.repoRoot, dir.root);
    assert.equal(config.paths.logsRootDir, dir.path("logs", "codexd"));
    assert.equal(config.paths.stateRootDir, dir.path("state", "codexd"));
    for (const key of [
      "daemonStatePath",
      "identityPath",
      "sessionRegistryPath",
      "recentEventsPath",
      "structuredEventLogPath",
      "stdoutLogPath",
      "stderrLogPath"
    ] as const) {
      assert.equal(typeof config.paths[key], "string", key);
    }
  } finally {
    dir.remove();
  }
});

/** codexd in-process over a stub child (it prints a line on each stream) and a stub app-server. */
function stubbedCodexd(config: ReturnType<typeof resolveCodexdConfig>, home: string, contexts: any[]) {
  const child = new StubChild();
  return new CodexdLocalService(config, {
    env: { HOME: home },
    spawner: {
      spawn: () => {
        queueMicrotask(() => {
          child.emit("spawn");
          child.stdout.emit("data", "stub says hello\n");
          child.stderr.emit("data", "stub complains\n");
        });
        return child;
      }
    },
    appServerClientFactory: {
      create: (context: any) => {
        contexts.push(context);
        return stubAppServer() as any;
      }
    }
  });
}

/** `codexd status --json` on the same directories, parsed. */
async function statusJson(config: ReturnType<typeof resolveCodexdConfig>, home: string): Promise<any> {
  let out = "";
  let err = "";
  const argv = [
    "node",
    "codexd",
    "status",
    "--json",
    "--repo-root",
    config.paths.repoRoot,
    "--logs-dir",
    config.paths.logsRootDir,
    "--state-dir",
    config.paths.stateRootDir
  ];
  const code = await runCodexdCli({
    argv,
    env: { HOME: home },
    processLike: { argv, env: {}, pid: 1 },
    stdout: { write: (c: string) => (out += c) },
    stderr: { write: (c: string) => (err += c) }
  });
  assert.equal(code, 0, err);
  return JSON.parse(out);
}

/** The state files say what the API said: the child's pid, the turn, the events, the child's logs. */
function assertStateFilesAgree(config: ReturnType<typeof resolveCodexdConfig>): void {
  const read = (path: string) => JSON.parse(readFileSync(path, "utf8"));
  assert.equal(read(config.paths.daemonStatePath).child.pid, 31337);
  assert.equal(read(config.paths.sessionRegistryPath).sessions[0].lastTurnId, "turn-1");
  const types = read(config.paths.recentEventsPath).events.map((e: any) => e.type);
  for (const type of ["session.created", "turn.accepted", "app-server.turn.completed"])
    assert.ok(types.includes(type), type);
  assert.equal(read(config.paths.identityPath).repoRoot, config.paths.repoRoot);
  assert.match(
    readFileSync(config.paths.structuredEventLogPath, "utf8"),
    /"type":"app-server\.turn\.completed"/
  );
  assert.match(readFileSync(config.paths.stdoutLogPath, "utf8"), /stub says hello/);
  assert.match(readFileSync(config.paths.stderrLogPath, "utf8"), /stub complains/);
}

test("session and turn flow through ConductorRuntime, CLI status --json and the state files agree", async () => {
  const dir = makeTempDir("baa-seed-flow-");
  const config = resolveCodexdConfig({
    env: {},
    repoRoot: dir.path("repo"),
    logsDir: dir.path("logs"),
    stateDir: dir.path("state"),
    localApiBase: "http://127.0.0.1:0",
    version: "contract"
  });
  const contexts: any[] = [];
  const codexd = stubbedCodexd(config, dir.root, contexts);
  let conductor: InstanceType<typeof ConductorRuntime> | undefined;
  try {
    const status = await codexd.start();
    assert.equal(contexts[0].config.server.mode, "app-server");
    assert.equal(status.snapshot.daemon.started, true);
    assert.equal(status.snapshot.daemon.child.status, "running");
    const codexdBase = status.service.resolvedBaseUrl as string;
    assert.match(codexdBase, /^http:\/\/127\.0\.0\.1:\d+$/);

    conductor = new ConductorRuntime(
      {
        codexdLocalApiBase: codexdBase,
        controlApiBase: "https://control.example",
        host: "mini",
        localApiBase: "http://127.0.0.1:0",
        nodeId: "mini-main",
        paths: { runsDir: dir.path("runs"), stateDir: dir.path("conductor") },
        role: "primary",
        sharedToken: "contract-token"
      },
      { autoStartLoops: false, now: () => 1_000 }
    );
    const base = (await conductor.start()).controlApi.localApiBase;

    const empty = await getJson(`${base}/v1/codex`);
    assert.equal(empty.body.data.backend, "independent_codexd");
    assert.equal(empty.body.data.proxy.target_base_url, codexdBase);
    assert.equal(empty.body.data.sessions.count, 0);
    assert.ok(Array.isArray(empty.body.data.routes));
    assert.ok(!JSON.stringify(empty.body.data.routes).includes("/v1/codex/runs"));

    const created = await postJson(`${base}/v1/codex/sessions`, { cwd: dir.path("repo"), purpose: "worker" });
    assert.equal(created.status, 201);
    const sessionId = created.body.data.session.sessionId;
    assert.equal(created.body.data.session.purpose, "worker");
    assert.equal(created.body.data.session.cwd, dir.path("repo"));

    const turn = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "go" });
    assert.equal(turn.status, 202);
    assert.equal(turn.body.data.turnId, "turn-1");
    await eventually(async () => {
      const r = await getJson(`${base}/v1/codex/sessions/${sessionId}`);
      return r.body.data.session.lastTurnStatus === "completed" ? r : null;
    }, "completed turn");

    const summary = await getJson(`${base}/v1/codex`);
    assert.equal(summary.body.data.sessions.count, 1);
    assert.equal(summary.body.data.sessions.active_count, 1);
    assert.ok(summary.body.data.recent_events.count >= 3);

    const cli = await statusJson(config, dir.root);
    assert.equal(cli.daemon.started, true);
    assert.equal(cli.daemon.child.status, "running");
    assert.equal(cli.sessionRegistry.sessions[0].sessionId, sessionId);
    assert.equal(cli.sessionRegistry.sessions[0].lastTurnStatus, "completed");
    assert.deepEqual(cli.runRegistry.runs, []);

    assertStateFilesAgree(config);
  } finally {
    await conductor?.stop();
    await codexd.stop();
    dir.remove();
  }
});

test("CLI status works while codexd is down and reports it stopped", async () => {
  const dir = makeTempDir("baa-seed-cli-");
  try {
    let out = "";
    const code = await runCodexdCli({
      argv: [
        "node",
        "codexd",
        "status",
        "--json",
        "--state-dir",
        dir.path("state"),
        "--logs-dir",
        dir.path("logs")
      ],
      env: {},
      stdout: { write: (c: string) => (out += c) },
      stderr: { write: () => {} }
    });
    assert.equal(code, 0);
    const cli = JSON.parse(out);
    assert.equal(cli.daemon, null);
    assert.deepEqual(cli.sessionRegistry.sessions, []);
    assert.deepEqual(cli.runRegistry.runs, []);
  } finally {
    dir.remove();
  }
});
