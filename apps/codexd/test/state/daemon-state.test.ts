import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import { DaemonStateFile, type DaemonState } from "../../src/state/daemon-state.js";
import { failingState } from "../support/state-health.js";
import { tempWorkspace } from "../support/workspace.js";

const initial = (): DaemonState => ({
  started: false,
  startedAt: null,
  stoppedAt: null,
  pid: 1,
  version: "0",
  nodeId: "n",
  updatedAt: "x",
  child: { status: "idle", pid: null, command: "codex", args: [], cwd: "/", startedAt: null, exitedAt: null, exitCode: null, exitSignal: null, restarts: 0, nextRestartAt: null, lastError: null, userAgent: null }
});

test("daemon-state.json: a failed write is logged and retried with backoff; the newest state lands once space returns", () => {
  const ws = tempWorkspace();
  const state = failingState();
  try {
    const path = ws.path("daemon-state.json");
    const file = new DaemonStateFile({ path, now: state.now, initial: initial(), health: state.health, fs: state.fs, timers: state.timers });
    file.update((s) => (s.started = true));
    state.fs.failWrites("ENOSPC");
    file.updateChild({ status: "running", pid: 42 });
    assert.equal(state.health.report().status, "degraded");
    assert.ok(state.lines.some((l) => l.level === "error" && l.fields.file === path));
    file.updateChild({ restarts: 3 });
    assert.equal(state.fs.refused, 1, "no write storm: updates while failing wait for the retry");
    assert.deepEqual(state.timers.pending(), [250]);
    state.timers.fireNext();
    assert.deepEqual(state.timers.pending(), [500], "backoff doubles");
    state.fs.heal();
    state.timers.fireNext();
    const onDisk = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(onDisk.child.pid, 42);
    assert.equal(onDisk.child.restarts, 3);
    assert.equal(state.health.report().status, "ok");
    file.close();
  } finally {
    ws.cleanup();
  }
});
