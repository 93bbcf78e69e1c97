import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import test from "node:test";
import { StateWriteError } from "@baa/state-files";
import { makeTempDir } from "@baa/test-support";
import { newSession } from "../../src/sessions/session.js";
import { SessionRegistry } from "../../src/sessions/session-registry.js";
import { failingState } from "../support/state-health.js";

const session = (n: number, at = "2030-01-01T00:00:00.000Z") =>
  newSession({
    sessionId: `session-${n}`,
    threadId: `thread-${n}`,
    purpose: "duplex",
    cwd: "/tmp",
    model: null,
    modelProvider: null,
    approvalPolicy: null,
    sandbox: null,
    at
  });

test("a session that cannot be written is not added: add() throws and nothing is listed", async () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const path = ws.path("state", "session-registry.json");
    const registry = new SessionRegistry({
      path,
      now: state.now,
      lastSeq: () => 0,
      health: state.health,
      fs: state.fs,
      timers: state.timers
    });
    await registry.add(session(1));
    state.fs.failWrites("ENOSPC");
    await assert.rejects(
      registry.add(session(2)),
      (e: unknown) => e instanceof StateWriteError && e.code === "ENOSPC"
    );
    assert.equal(registry.get("session-2"), undefined);
    assert.equal(registry.byThread("thread-2"), undefined);
    assert.deepEqual(
      registry.list().map((s) => s.sessionId),
      ["session-1"]
    );
    assert.equal(state.health.report().status, "degraded");
    state.fs.heal();
    await registry.add(session(3));
    const onDisk = JSON.parse(readFileSync(path, "utf8")).sessions.map(
      (s: { sessionId: string }) => s.sessionId
    );
    assert.deepEqual(onDisk, ["session-1", "session-3"]);
    assert.equal(state.health.report().status, "ok");
    await registry.close();
  } finally {
    ws.remove();
  }
});

test("a change that changes nothing (a streamed delta) schedules no write", async () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const registry = new SessionRegistry({
      path: ws.path("r.json"),
      now: state.now,
      lastSeq: () => 0,
      health: state.health,
      timers: state.timers
    });
    await registry.add(session(1));
    const s = registry.get("session-1")!;
    const stamp = s.updatedAt;
    state.timers.jump(1000);
    registry.update(s, () => false);
    assert.deepEqual(state.timers.pending(), [], "no write scheduled");
    assert.equal(s.updatedAt, stamp, "not stamped either");
    registry.update(s, (x) => {
      x.turnCount += 1;
    });
    assert.deepEqual(state.timers.pending(), [250], "a real change is written (coalesced)");
    await registry.close();
  } finally {
    ws.remove();
  }
});

test("the file stays within its byte budget by dropping the longest untouched closed sessions; active ones stay", async () => {
  const ws = makeTempDir("codexd-test-");
  const state = failingState();
  try {
    const path = ws.path("r.json");
    const maxBytes = 24 * 1024;
    const registry = new SessionRegistry({
      path,
      now: state.now,
      lastSeq: () => 0,
      health: state.health,
      maxBytes
    });
    for (let n = 0; n < 60; n += 1) {
      const s = session(n, new Date(Date.parse("2030-01-01T00:00:00Z") + n * 1000).toISOString());
      s.lastAgentMessage = "m".repeat(400);
      if (n % 3 !== 0) s.status = "closed";
      await registry.add(s);
    }
    await registry.written();
    registry.persist({ urgent: true });
    await registry.written();
    assert.ok(statSync(path).size <= maxBytes, `file is ${statSync(path).size} bytes`);
    const kept = registry.list();
    assert.equal(kept.filter((s) => s.status === "active").length, 20, "every active session kept");
    const closedKept = kept
      .filter((s) => s.status === "closed")
      .map((s) => Number(s.sessionId.split("-")[1]));
    assert.ok(closedKept.length < 40);
    assert.ok(Math.min(...closedKept) > 0, "the oldest closed ones went first");
    assert.ok(state.lines.some((l) => /within its byte budget/.test(l.message)));
    await registry.close();
  } finally {
    ws.remove();
  }
});
