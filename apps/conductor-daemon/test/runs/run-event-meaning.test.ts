import assert from "node:assert/strict";
import test from "node:test";
import { meaningOf, outcomeOfTurn } from "../../src/runs/run-event-meaning.js";
import type { CodexdStreamEvent } from "../../src/runs/worker-codexd.js";

const event = (type: string, data: unknown = null): CodexdStreamEvent => ({
  seq: 1,
  type,
  at: "",
  sessionId: "s",
  threadId: "t",
  turnId: "u",
  data
});

test("codexd events read as what they mean for a run", () => {
  assert.deepEqual(meaningOf(event("approval.requested", { approval: { approvalId: "a" } })), {
    kind: "approval_requested",
    approvalId: "a"
  });
  for (const type of ["approval.answered", "approval.timed_out", "approval.expired", "approval.resolved"]) {
    assert.deepEqual(meaningOf(event(type, { approval: { approvalId: "a" } })), {
      kind: "approval_settled",
      approvalId: "a"
    });
  }
  assert.deepEqual(
    meaningOf(event("app-server.item.completed", { item: { type: "agentMessage", text: "hi" } })),
    { kind: "final_message", text: "hi" }
  );
  assert.deepEqual(meaningOf(event("app-server.item.completed", { item: { type: "commandExecution" } })), {
    kind: "other"
  });
  assert.deepEqual(meaningOf(event("app-server.thread.tokenUsage.updated", { tokenUsage: { n: 1 } })), {
    kind: "usage",
    usage: { n: 1 }
  });
  assert.equal(
    meaningOf(event("app-server.turn.completed", { turn: { status: "failed" } })).kind,
    "turn_completed"
  );
  assert.deepEqual(meaningOf(event("turn.interrupted")), { kind: "ended_outside", type: "turn.interrupted" });
  assert.deepEqual(meaningOf(event("app-server.item.agentMessage.delta", { delta: "x" })), { kind: "other" });
});

test("a turn's own end: completed, usage limit, failure with codex's reason, interrupted by someone else", () => {
  assert.deepEqual(outcomeOfTurn({ status: "completed" }, "m", { u: 1 }), {
    kind: "completed",
    finalMessage: "m",
    usage: { u: 1 }
  });
  assert.equal(
    outcomeOfTurn(
      { status: "failed", error: { message: "limit", codexErrorInfo: "usageLimitExceeded" } },
      null,
      null
    ).kind,
    "usage_limit"
  );
  const failed = outcomeOfTurn(
    {
      status: "failed",
      error: { message: "boom", codexErrorInfo: { httpConnectionFailed: { httpStatusCode: 502 } } }
    },
    null,
    null
  );
  assert.deepEqual(failed, {
    kind: "failed",
    message: "boom [httpConnectionFailed]",
    codexErrorInfo: { httpConnectionFailed: { httpStatusCode: 502 } },
    usage: null
  });
  assert.equal(outcomeOfTurn({ status: "interrupted" }, null, null).kind, "interrupted");
});
