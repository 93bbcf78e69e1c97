import assert from "node:assert/strict";
import test from "node:test";
import { getJson, postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

test("a session rebound to a fresh thread keeps its base and developer instructions", async () => {
  const codexd = await startFakeCodexd();
  try {
    const created = await postJson(`${codexd.base}/v1/codexd/sessions`, {
      approvalPolicy: "on-request",
      sandbox: "workspace-write",
      baseInstructions: "You are terse.",
      developerInstructions: "Never touch /etc."
    });
    assert.equal(created.status, 201);
    const { sessionId, threadId } = created.body.data.session;
    assert.equal(created.body.data.session.baseInstructions, "You are terse.");

    // No turn yet: the thread was never written to disk, so resume fails and a fresh thread
    // with the same settings stands in for it.
    codexd.appServer.failNext = new Error("no rollout found for thread id");
    codexd.appServer.calls.length = 0;
    const recovery = await codexd.service.operations.resumeAll(codexd.appServer);
    assert.deepEqual(recovery, { resumed: 1, failed: 0 });
    const start = codexd.appServer.calls.find((c) => c.method === "thread/start");
    assert.ok(start, "a fresh thread/start was sent");
    assert.deepEqual(start.params, {
      cwd: codexd.ws.root,
      approvalPolicy: "on-request",
      model: "mock",
      sandbox: "workspace-write",
      baseInstructions: "You are terse.",
      developerInstructions: "Never touch /etc."
    });
    const session = (await getJson(`${codexd.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
    assert.notEqual(session.threadId, threadId);
    assert.equal(session.developerInstructions, "Never touch /etc.");
  } finally {
    await codexd.stop();
  }
});
