import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import { nodeStateFs } from "@baa/state-files";
import { makeTempDir } from "@baa/test-support";
import { DaemonStateFile, type DaemonState } from "../../src/state/daemon-state.js";
import { failingState } from "../support/state-health.js";

const initial = (): DaemonState => ({
  started: false,
  startedAt: null,
  stoppedAt: null,
  pid: 1,
  version: "0",
  nodeId: "n",
  updatedAt: "x",
  child: {
    status: "idle",
    pid: null,
    command: "codex",
    args: [],
    cwd: "/",
    startedAt: null,
    exitedAt: null,
    exitCode: null,
    exitSignal: null,
    restarts: 0,
    nextRestartAt: null,
    lastError: null,
    userAgent: null
  }
});

test("daemon-state.json: a failed write is logged and retried with backoff; the newest state lands once space returns", () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const path = ws.path("daemon-state.json");
    const file = new DaemonStateFile({
      path,
      now: state.now,
      initial: initial(),
      health: state.health,
      fs: state.fs,
      timers: state.timers
    });
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
    ws.remove();
  }
});

test("daemon-state.json: while codexd starts, changes are written through unsynced; syncFromNowOn fsyncs the newest state once", () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const path = ws.path("daemon-state.json");
    const syncs: string[] = [];
    const fs = {
      ...nodeStateFs,
      writeFileSync: (file: string, text: string, options: { durable: boolean }) => {
        if (options.durable) syncs.push("file");
        nodeStateFs.writeFileSync(file, text, options);
      },
      syncDirectorySync: (dir: string) => {
        syncs.push("dir");
        nodeStateFs.syncDirectorySync(dir);
      }
    };
    const file = new DaemonStateFile({
      path,
      now: state.now,
      initial: initial(),
      health: state.health,
      fs,
      timers: state.timers
    });
    file.deferSync();
    file.update((s) => (s.pid = 7));
    file.updateChild({ status: "running", pid: 42 });
    assert.deepEqual(syncs, [], "no fsync while deferred");
    assert.equal(JSON.parse(readFileSync(path, "utf8")).child.pid, 42, "each change is on the file at once");
    file.syncFromNowOn();
    assert.deepEqual(syncs, ["file", "dir"], "the state is fsynced when deferring ends");
    file.syncFromNowOn();
    file.update((s) => (s.started = true));
    assert.deepEqual(syncs, ["file", "dir", "file", "dir"], "and every write after it");
    assert.equal(JSON.parse(readFileSync(path, "utf8")).started, true);
  } finally {
    ws.remove();
  }
});

test("daemon-state.json: syncFromNowOn with a change fsyncs it and the deferred state in one write", () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const path = ws.path("daemon-state.json");
    const writes: boolean[] = [];
    const fs = {
      ...nodeStateFs,
      writeFileSync: (file: string, text: string, options: { durable: boolean }) => {
        writes.push(options.durable);
        nodeStateFs.writeFileSync(file, text, options);
      }
    };
    const file = new DaemonStateFile({
      path,
      now: state.now,
      initial: initial(),
      health: state.health,
      fs,
      timers: state.timers
    });
    file.deferSync();
    file.updateChild({ status: "running", pid: 42 });
    file.syncFromNowOn((s) => (s.started = true));
    assert.deepEqual(writes, [false, true], "one light write while deferred, then one fsynced write");
    const onDisk = JSON.parse(readFileSync(path, "utf8"));
    assert.equal(onDisk.started, true);
    assert.equal(onDisk.child.pid, 42);
    file.syncFromNowOn((s) => (s.pid = 9));
    assert.deepEqual(writes, [false, true, true], "once durable, a change is one fsynced write");
    assert.equal(JSON.parse(readFileSync(path, "utf8")).pid, 9);
  } finally {
    ws.remove();
  }
});
