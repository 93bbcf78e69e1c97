import assert from "node:assert/strict";
import test from "node:test";
import { nextEvent } from "@baa/event-log";
import { ManualTimers } from "@baa/clock/testing";
import { makeTempDir } from "@baa/test-support";
import { getJson, postJson, startFakeCodexd } from "./support/start-fake-codexd.js";

async function sessionWithTurn(codexd: Awaited<ReturnType<typeof startFakeCodexd>>) {
  codexd.appServer.autoComplete = false;
  const session = (await postJson(`${codexd.base}/v1/codexd/sessions`, { approvalPolicy: "untrusted" })).body
    .data.session;
  const turnId = (
    await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: session.sessionId, input: "run it" })
  ).body.data.turnId;
  return { session, turnId };
}

const approvalParams = (threadId: string, turnId: string) => ({
  threadId,
  turnId,
  itemId: "item-1",
  startedAtMs: 0,
  command: "touch /tmp/x",
  cwd: "/tmp",
  reason: "wants to write"
});

test("an approval request waits in pendingApprovals until answered, and the answer reaches app-server", async () => {
  const codexd = await startFakeCodexd();
  try {
    const { session, turnId } = await sessionWithTurn(codexd);
    const answer = codexd.appServer.serverRequest(
      "item/commandExecution/requestApproval",
      approvalParams(session.threadId, turnId)
    );
    const read = (await getJson(`${codexd.base}/v1/codexd/sessions/${session.sessionId}`)).body.data;
    assert.equal(read.session.pendingApprovals.length, 1);
    const pending = read.session.pendingApprovals[0];
    assert.equal(pending.kind, "commandExecution");
    assert.equal(pending.details.command, "touch /tmp/x");
    assert.ok(read.recentEvents.some((e: { type: string }) => e.type === "approval.requested"));

    const bad = await postJson(`${codexd.base}/v1/codexd/approvals/${pending.approvalId}`, {
      decision: "maybe"
    });
    assert.equal(bad.status, 400);
    const ok = await postJson(`${codexd.base}/v1/codexd/approvals/${pending.approvalId}`, {
      decision: "accept"
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.data.approval.status, "answered");
    assert.deepEqual(await answer, { decision: "accept" });

    const again = await postJson(`${codexd.base}/v1/codexd/approvals/${pending.approvalId}`, {
      decision: "accept"
    });
    assert.equal(again.status, 410);
    assert.equal(again.body.error.code, "approval_gone");
    const unknown = await postJson(`${codexd.base}/v1/codexd/approvals/approval-nope`, {
      decision: "accept"
    });
    assert.equal(unknown.status, 404);
    const after = (await getJson(`${codexd.base}/v1/codexd/sessions/${session.sessionId}`)).body.data.session;
    assert.deepEqual(after.pendingApprovals, []);
  } finally {
    await codexd.stop();
  }
});

test("an unanswered approval times out to decline", async () => {
  // The timeout runs on manual timers: fired by the test, not waited for.
  const timers = new ManualTimers();
  const codexd = await startFakeCodexd({ approvalTimeoutMs: 600_000 }, undefined, { timers });
  try {
    const { session, turnId } = await sessionWithTurn(codexd);
    const requested = nextEvent(codexd.service.events, (e) => e.type === "approval.requested");
    const answer = codexd.appServer.serverRequest("item/fileChange/requestApproval", {
      threadId: session.threadId,
      turnId,
      itemId: "i",
      startedAtMs: 0
    });
    await requested;
    assert.ok(timers.pending().includes(600_000), "the approval's timeout is set");
    // Soonest first: the state files' short delays, then the approval's timeout.
    for (let fired = 0; fired < 100 && timers.fireNext(); fired += 1);
    assert.deepEqual(await answer, { decision: "decline" });
    const approvals = (await getJson(`${codexd.base}/v1/codexd/approvals?sessionId=${session.sessionId}`))
      .body.data.approvals;
    assert.equal(approvals[0].status, "timed_out");
  } finally {
    await codexd.stop();
  }
});

test("app-server withdrawing a request (serverRequest/resolved) clears it from the session", async () => {
  const codexd = await startFakeCodexd();
  try {
    const { session, turnId } = await sessionWithTurn(codexd);
    const answer = codexd.appServer.serverRequest(
      "item/commandExecution/requestApproval",
      approvalParams(session.threadId, turnId)
    );
    codexd.appServer.emit("serverRequest/resolved", { threadId: session.threadId, requestId: 1 });
    await answer;
    const read = (await getJson(`${codexd.base}/v1/codexd/sessions/${session.sessionId}`)).body.data.session;
    assert.deepEqual(read.pendingApprovals, []);
  } finally {
    await codexd.stop();
  }
});

test("after a restart a pending approval is expired, its turn interrupted, and answering it is 410", async () => {
  const ws = makeTempDir("codexd-test-");
  try {
    const first = await startFakeCodexd({}, ws);
    const { session, turnId } = await sessionWithTurn(first);
    void first.appServer.serverRequest(
      "item/commandExecution/requestApproval",
      approvalParams(session.threadId, turnId)
    );
    const approvalId = (await getJson(`${first.base}/v1/codexd/sessions/${session.sessionId}`)).body.data
      .session.pendingApprovals[0].approvalId;
    // No stop(): the state on disk is what a crash leaves.
    await first.service.stateSettled();
    const second = await startFakeCodexd({}, ws);
    try {
      const read = (await getJson(`${second.base}/v1/codexd/sessions/${session.sessionId}`)).body.data
        .session;
      assert.deepEqual(read.pendingApprovals, []);
      assert.equal(read.lastTurnStatus, "interrupted");
      const approval = (await getJson(`${second.base}/v1/codexd/approvals`)).body.data.approvals.find(
        (a: { approvalId: string }) => a.approvalId === approvalId
      );
      assert.equal(approval.status, "expired");
      const late = await postJson(`${second.base}/v1/codexd/approvals/${approvalId}`, { decision: "accept" });
      assert.equal(late.status, 410);
    } finally {
      await second.service.stop();
      await first.service.stop();
    }
  } finally {
    ws.remove();
  }
});
