import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { ChildOutputLog } from "../../src/child/child-output-log.js";
import { failingState } from "../support/state-health.js";

test("a child output log that cannot be written reports it, never throws into the child's streams, and says what it lost", async () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const stderrPath = ws.path("logs", "stderr.log");
    const log = new ChildOutputLog(ws.path("logs", "stdout.log"), stderrPath, state.health, state.fs);
    const child = Object.assign(new EventEmitter(), {
      stdout: new EventEmitter(),
      stderr: new EventEmitter()
    });
    log.attach(child as never);
    child.stderr.emit("data", "first\n");
    state.fs.failWrites("ENOSPC");
    assert.doesNotThrow(() => {
      child.stderr.emit("data", "lost 1\n");
      child.stderr.emit("data", "lost 2\n");
    });
    assert.equal(state.health.report().status, "degraded");
    assert.equal(state.health.report().failing[0]?.file, stderrPath);
    state.fs.heal();
    await state.health.probe();
    child.stderr.emit("data", "after\n");
    log.close();
    assert.equal(
      readFileSync(stderrPath, "utf8"),
      "first\n[codexd: 2 output lines lost: this log could not be written]\nafter\n"
    );
    assert.equal(state.health.report().status, "ok");
  } finally {
    ws.remove();
  }
});
