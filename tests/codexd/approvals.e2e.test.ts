import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import test from "node:test";
import { openEventSocket } from "../support/event-socket.js";
import { getJson, postJson } from "../support/http.js";
import { startRealStack, type RealStack } from "../support/real-stack.js";

// `untrusted` asks before any command codex does not know to be safe; `touch` is such a command.

async function turnThatWantsToTouch(stack: RealStack, file: string) {
  const base = stack.conductorBase;
  const sessionId = (
    await postJson(`${base}/v1/codex/sessions`, { approvalPolicy: "untrusted", sandbox: "workspace-write" })
  ).body.data.session.sessionId;
  const socket = await openEventSocket(
    `${base.replace(/^http/, "ws")}/v1/codex/events?sessionId=${sessionId}`
  );
  stack.model.enqueue({
    kind: "tool_call",
    arguments: { cmd: `touch ${file}`, workdir: stack.dir.path("repo") }
  });
  stack.model.setDefaultReply((r) => ({
    kind: "text",
    text: `tool said: ${r.functionCallOutputs
      .map((o) => o.output)
      .join(" / ")
      .slice(0, 200)}`
  }));
  const turn = await postJson(`${base}/v1/codex/turn`, { sessionId, input: `please create ${file}` });
  assert.equal(turn.status, 202, turn.text);
  const requested = await socket.waitFor((e) => e.type === "approval.requested", "approval on the stream");
  // The session lists it before the event is recorded.
  const { pendingApprovals } = (await getJson(`${base}/v1/codex/sessions/${sessionId}`)).body.data.session;
  assert.equal(pendingApprovals.length, 1);
  const pending = pendingApprovals[0];
  assert.equal(pending.approvalId, requested.data.approval.approvalId);
  assert.equal(pending.kind, "commandExecution");
  assert.match(String(pending.details.command), /touch/);
  return { sessionId, socket, turnId: turn.body.data.turnId, approvalId: pending.approvalId as string };
}

// The session's own stream (opened before the turn) says when the turn ended; the session is
// updated before that event is recorded.
async function waitForTurnEnd(
  stack: RealStack,
  sessionId: string,
  socket: { waitFor: (p: (e: any) => boolean, what: string) => Promise<unknown> }
) {
  await socket.waitFor((e) => e.type === "app-server.turn.completed", "turn end");
  const s = (await getJson(`${stack.conductorBase}/v1/codex/sessions/${sessionId}`)).body.data.session;
  assert.equal(s.activeTurn, null);
  return s;
}

test("accept: the command runs and the turn completes", async () => {
  const stack = await startRealStack();
  try {
    const file = stack.dir.path("repo", "accepted.txt");
    const { sessionId, socket, approvalId } = await turnThatWantsToTouch(stack, file);
    const answer = await postJson(`${stack.conductorBase}/v1/codex/approvals/${approvalId}`, {
      decision: "accept"
    });
    assert.equal(answer.status, 200, answer.text);
    const session = await waitForTurnEnd(stack, sessionId, socket);
    assert.equal(session.lastTurnStatus, "completed");
    assert.deepEqual(session.pendingApprovals, []);
    assert.ok(existsSync(file), "the approved command ran");
    await socket.waitFor((e) => e.type === "approval.answered", "answered event");
    const late = await postJson(`${stack.conductorBase}/v1/codex/approvals/${approvalId}`, {
      decision: "accept"
    });
    assert.equal(late.status, 410);
    socket.close();
  } finally {
    await stack.stop();
  }
});

test("decline: the turn goes on without the command", async () => {
  const stack = await startRealStack();
  try {
    const file = stack.dir.path("repo", "declined.txt");
    const { sessionId, socket, approvalId } = await turnThatWantsToTouch(stack, file);
    assert.equal(
      (await postJson(`${stack.conductorBase}/v1/codex/approvals/${approvalId}`, { decision: "decline" }))
        .status,
      200
    );
    const session = await waitForTurnEnd(stack, sessionId, socket);
    assert.equal(session.lastTurnStatus, "completed");
    assert.ok(!existsSync(file), "the declined command did not run");
    assert.ok(
      stack.model.requests.some((r) => r.functionCallOutputs.length > 0),
      "codex told the model the outcome"
    );
  } finally {
    await stack.stop();
  }
});

test("no answer: the approval times out to decline", async () => {
  const stack = await startRealStack({ codexd: { approvalTimeoutMs: 1500 } });
  try {
    const file = stack.dir.path("repo", "timed-out.txt");
    const { sessionId, socket, approvalId } = await turnThatWantsToTouch(stack, file);
    const timedOut = await socket.waitFor((e) => e.type === "approval.timed_out", "timeout event", 10_000);
    assert.equal(timedOut.data.approval.approvalId, approvalId);
    const session = await waitForTurnEnd(stack, sessionId, socket);
    assert.equal(session.lastTurnStatus, "completed");
    assert.ok(!existsSync(file));
    socket.close();
  } finally {
    await stack.stop();
  }
});

test("after a codexd restart a pending approval is expired and its turn interrupted", async () => {
  const stack = await startRealStack();
  try {
    const file = stack.dir.path("repo", "never.txt");
    const { sessionId, socket, approvalId, turnId } = await turnThatWantsToTouch(stack, file);
    socket.close();
    await stack.restartCodexd();
    const session = (await getJson(`${stack.conductorBase}/v1/codex/sessions/${sessionId}`)).body.data
      .session;
    assert.deepEqual(session.pendingApprovals, []);
    assert.equal(session.lastTurnId, turnId);
    assert.equal(session.lastTurnStatus, "interrupted");
    const approvals = (await getJson(`${stack.conductorBase}/v1/codex/approvals?sessionId=${sessionId}`)).body
      .data.approvals;
    assert.equal(approvals.find((a: any) => a.approvalId === approvalId).status, "expired");
    const late = await postJson(`${stack.conductorBase}/v1/codex/approvals/${approvalId}`, {
      decision: "accept"
    });
    assert.equal(late.status, 410);
    assert.ok(!existsSync(file));
  } finally {
    await stack.stop();
  }
});
