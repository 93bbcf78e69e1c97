import assert from "node:assert/strict";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { EventLog, matches, type CodexdEvent } from "../src/index.js";
import { testHealth } from "./support/test-health.js";

const base: CodexdEvent = {
  seq: 1,
  type: "app-server.turn.completed",
  at: "2030-01-01T00:00:00.000Z",
  sessionId: "s",
  threadId: null,
  turnId: "t",
  data: null
};

test("taskId and runId select task-run events; events without them never match such a filter", () => {
  const run = { ...base, taskId: "task-1", runId: "run-1" };
  assert.equal(matches(run, { taskId: "task-1" }), true);
  assert.equal(matches(run, { taskId: "task-1", runId: "run-1", sessionId: "s" }), true);
  assert.equal(matches(run, { runId: "run-2" }), false);
  assert.equal(matches(base, { taskId: "task-1" }), false);
  assert.equal(matches(base, { sessionId: "s" }), true);
});

test("recorded task-run events carry taskId/runId on disk and are found by a query over the log", async () => {
  const ws = makeTempDir("event-log-test-");
  const log = new EventLog({
    logPath: ws.path("logs", "events.jsonl"),
    recentPath: ws.path("state", "recent.json"),
    limit: 10,
    now: () => 0,
    health: testHealth()
  });
  try {
    log.record({ type: "session.created", sessionId: "s" });
    const recorded = log.record({ type: "run.started", sessionId: "s", taskId: "task-1", runId: "run-1" });
    log.record({ type: "run.started", taskId: "task-2", runId: "run-2" });
    assert.equal(recorded.taskId, "task-1");
    assert.equal("taskId" in log.recent()[0]!, false, "codexd's events keep their shape");
    const page = await log.query({ taskId: "task-1" });
    assert.deepEqual(
      page.events.map((e) => [e.seq, e.runId]),
      [[2, "run-1"]]
    );
    assert.deepEqual(
      (await log.query({ runId: "run-2" })).events.map((e) => e.seq),
      [3]
    );
  } finally {
    await log.close();
    ws.remove();
  }
});
