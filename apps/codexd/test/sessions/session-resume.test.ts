import assert from "node:assert/strict";
import test from "node:test";
import { JsonRpcError } from "@baa/app-server-client";
import { getJson, postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

// POST /v1/codexd/sessions {threadId}: a session on an existing thread, over the fake app-server.

// What codex 0.169 answers for a thread it has no rollout of (tried against the real binary).
const unknownThread = (threadId: string) =>
  new JsonRpcError(-32600, `no rollout found for thread id ${threadId}`, undefined, "thread/resume");

test("a threadId opens the session with thread/resume, not thread/start", async () => {
  const codexd = await startFakeCodexd();
  try {
    codexd.appServer.calls.length = 0;
    const created = await postJson(`${codexd.base}/v1/codexd/sessions`, {
      threadId: "thread-old",
      purpose: "worker",
      sandbox: "workspace-write",
      cwd: codexd.ws.root
    });
    assert.equal(created.status, 201);
    const session = created.body.data.session;
    assert.equal(session.threadId, "thread-old");
    assert.equal(session.status, "active");
    assert.equal(session.resumed, true);
    assert.equal(session.purpose, "worker");
    assert.equal(session.approvalPolicy, "never");
    assert.match(session.sessionId, /^session-/);
    assert.deepEqual(codexd.appServer.calls, [
      {
        method: "thread/resume",
        params: {
          threadId: "thread-old",
          excludeTurns: true,
          cwd: codexd.ws.root,
          approvalPolicy: "never",
          sandbox: "workspace-write"
        }
      }
    ]);

    const read = await getJson(`${codexd.base}/v1/codexd/sessions/${session.sessionId}`);
    const createdEvent = read.body.data.recentEvents.find(
      (e: { type: string }) => e.type === "session.created"
    );
    assert.equal(createdEvent.data.resumed, true);
    assert.equal(createdEvent.threadId, "thread-old");

    // The session takes turns on that thread like any other.
    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, {
      sessionId: session.sessionId,
      input: "go on"
    });
    assert.equal(turn.status, 202);
    assert.equal(
      (codexd.appServer.calls.at(-1)?.params as { threadId: string } | undefined)?.threadId,
      "thread-old"
    );

    const fresh = await postJson(`${codexd.base}/v1/codexd/sessions`, {});
    assert.equal(fresh.body.data.session.resumed, false);
    assert.equal(codexd.appServer.calls.at(-1)?.method, "thread/start");
  } finally {
    await codexd.stop();
  }
});

test("a thread codex does not know is 404 thread_not_found, and no session is recorded", async () => {
  const codexd = await startFakeCodexd();
  try {
    codexd.appServer.failNext = unknownThread("thread-nowhere");
    const missing = await postJson(`${codexd.base}/v1/codexd/sessions`, { threadId: "thread-nowhere" });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "thread_not_found");
    assert.match(missing.body.error.message, /thread-nowhere/);

    codexd.appServer.failNext = new JsonRpcError(
      -32600,
      "invalid session id: invalid character",
      undefined,
      "thread/resume"
    );
    const malformed = await postJson(`${codexd.base}/v1/codexd/sessions`, { threadId: "not-a-uuid" });
    assert.equal(malformed.status, 404);
    assert.equal(malformed.body.error.code, "thread_not_found");

    // Only that answer means "unknown": another -32600 stays app-server's error.
    codexd.appServer.failNext = new JsonRpcError(-32600, "rollout path mismatch", undefined, "thread/resume");
    const other = await postJson(`${codexd.base}/v1/codexd/sessions`, { threadId: "thread-odd" });
    assert.equal(other.status, 502);
    assert.equal(other.body.error.code, "app_server_error");

    const sessions = await getJson(`${codexd.base}/v1/codexd/sessions`);
    assert.deepEqual(sessions.body.data.sessions, []);
  } finally {
    await codexd.stop();
  }
});

test("a thread with an active session is 409 thread_in_use naming it; once closed it opens", async () => {
  const codexd = await startFakeCodexd();
  try {
    const first = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session;
    codexd.appServer.calls.length = 0;
    const busy = await postJson(`${codexd.base}/v1/codexd/sessions`, { threadId: first.threadId });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error.code, "thread_in_use");
    assert.match(busy.body.error.message, new RegExp(first.sessionId));
    assert.deepEqual(codexd.appServer.calls, [], "app-server was not asked");

    await postJson(`${codexd.base}/v1/codexd/sessions/${first.sessionId}/close`, {});
    const again = await postJson(`${codexd.base}/v1/codexd/sessions`, { threadId: first.threadId });
    assert.equal(again.status, 201);
    assert.equal(again.body.data.session.threadId, first.threadId);
    assert.notEqual(again.body.data.session.sessionId, first.sessionId);
  } finally {
    await codexd.stop();
  }
});

test("two opens of one thread at once: one session, the other thread_in_use", async () => {
  const codexd = await startFakeCodexd();
  try {
    const ops = codexd.service.operations;
    const results = await Promise.allSettled([
      ops.createSession({ threadId: "thread-x" }),
      ops.createSession({ threadId: "thread-x" })
    ]);
    assert.equal(results[0].status, "fulfilled");
    assert.equal(results[1].status, "rejected");
    assert.equal((results[1] as PromiseRejectedResult).reason.code, "thread_in_use");
    assert.equal(codexd.appServer.calls.filter((c) => c.method === "thread/resume").length, 1);
  } finally {
    await codexd.stop();
  }
});

test("recovery never swaps the thread of a session opened on an existing one", async () => {
  const codexd = await startFakeCodexd();
  try {
    const session = (await postJson(`${codexd.base}/v1/codexd/sessions`, { threadId: "thread-history" })).body
      .data.session;
    assert.equal(session.turnCount, 0);
    // Recovery shares the open's thread/resume path, so the unknown thread reads the same.
    codexd.appServer.failNext = unknownThread("thread-history");
    codexd.appServer.calls.length = 0;
    const recovery = await codexd.service.operations.resumeAll(codexd.appServer);
    assert.deepEqual(recovery, { resumed: 0, failed: 1 });
    assert.equal(
      codexd.appServer.calls.some((c) => c.method === "thread/start"),
      false,
      "no fresh thread stands in for its history"
    );
    const after = (await getJson(`${codexd.base}/v1/codexd/sessions/${session.sessionId}`)).body.data.session;
    assert.equal(after.status, "failed");
    assert.equal(after.threadId, "thread-history");
    assert.match(after.statusReason, /thread\/resume failed: codex does not know thread thread-history/);
  } finally {
    await codexd.stop();
  }
});
