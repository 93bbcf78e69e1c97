import assert from "node:assert/strict";
import test from "node:test";
import { APPROVAL_METHODS, declineResponse, responseFor } from "../../src/approvals/approval.js";
import { getJson, postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

const permissionsParams = (threadId: string, turnId: string) => ({
  threadId,
  turnId,
  itemId: "item-perm",
  environmentId: null,
  startedAtMs: 0,
  cwd: "/work",
  reason: "needs the network",
  permissions: { network: { enabled: true }, fileSystem: null }
});

test("a permissions request is held as a pending approval and accept grants what was asked", async () => {
  const codexd = await startFakeCodexd();
  try {
    codexd.appServer.autoComplete = false;
    const session = (await postJson(`${codexd.base}/v1/codexd/sessions`, { approvalPolicy: "on-request" }))
      .body.data.session;
    const turnId = (
      await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: session.sessionId, input: "fetch" })
    ).body.data.turnId;
    const answer = codexd.appServer.serverRequest(
      "item/permissions/requestApproval",
      permissionsParams(session.threadId, turnId)
    );

    const pending = (await getJson(`${codexd.base}/v1/codexd/approvals?status=pending`)).body.data.approvals;
    assert.equal(pending.length, 1);
    assert.equal(pending[0].kind, "permissions");
    assert.equal(pending[0].sessionId, session.sessionId);
    assert.deepEqual(pending[0].details.permissions, { network: { enabled: true }, fileSystem: null });
    const read = (await getJson(`${codexd.base}/v1/codexd/sessions/${session.sessionId}`)).body.data.session;
    assert.equal(read.pendingApprovals[0].kind, "permissions");

    const bad = await postJson(`${codexd.base}/v1/codexd/approvals/${pending[0].approvalId}`, {
      decision: "maybe"
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /permissions/);
    const ok = await postJson(`${codexd.base}/v1/codexd/approvals/${pending[0].approvalId}`, {
      decision: "acceptForSession"
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await answer, { permissions: { network: { enabled: true } }, scope: "session" });
  } finally {
    await codexd.stop();
  }
});

test("requests no person can answer get an immediate reply and are recorded as declined", async () => {
  const codexd = await startFakeCodexd();
  try {
    const session = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session;
    for (const method of ["item/tool/call", "account/chatgptAuthTokens/refresh", "attestation/generate"]) {
      await assert.rejects(
        codexd.appServer.serverRequest(method, { threadId: session.threadId }),
        /not supported/
      );
    }
    assert.deepEqual((await getJson(`${codexd.base}/v1/codexd/approvals`)).body.data.approvals, []);
    const events = (await getJson(`${codexd.base}/v1/codexd/events?type=app-server.request.declined`)).body
      .data.events;
    assert.deepEqual(
      events.map((e: { data: { method: string } }) => e.data.method),
      ["item/tool/call", "account/chatgptAuthTokens/refresh", "attestation/generate"]
    );
  } finally {
    await codexd.stop();
  }
});

test("a legacy approval finds its session by conversationId and maps decisions to ReviewDecision", async () => {
  const codexd = await startFakeCodexd();
  try {
    const session = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session;
    const answer = codexd.appServer.serverRequest("execCommandApproval", {
      conversationId: session.threadId,
      callId: "call-1",
      approvalId: null,
      command: ["ls"],
      cwd: "/",
      reason: null,
      parsedCmd: []
    });
    const [pending] = (await getJson(`${codexd.base}/v1/codexd/approvals?sessionId=${session.sessionId}`))
      .body.data.approvals;
    assert.equal(pending.kind, "legacyExecCommand");
    await postJson(`${codexd.base}/v1/codexd/approvals/${pending.approvalId}`, { decision: "accept" });
    assert.deepEqual(await answer, { decision: "approved" });
  } finally {
    await codexd.stop();
  }
});

test("every kind has a decline, and answers map per kind", () => {
  for (const kind of new Set(Object.values(APPROVAL_METHODS)))
    assert.notEqual(declineResponse(kind), undefined);
  const details = { permissions: { network: null, fileSystem: { read: ["/a"], write: null } } };
  assert.deepEqual(responseFor("permissions", { decision: "accept" }, details), {
    response: { permissions: { fileSystem: { read: ["/a"], write: null } }, scope: "turn" }
  });
  assert.deepEqual(responseFor("permissions", { decision: "decline" }, details), {
    response: { permissions: {}, scope: "turn" }
  });
  assert.deepEqual(
    responseFor("permissions", { permissions: { network: { enabled: true } }, scope: "session" }, details),
    {
      response: { permissions: { network: { enabled: true } }, scope: "session" }
    }
  );
  assert.deepEqual(responseFor("legacyApplyPatch", { decision: "cancel" }), {
    response: { decision: "abort" }
  });
  assert.ok("problem" in responseFor("legacyApplyPatch", { decision: "maybe" }));
});
