import assert from "node:assert/strict";
import test from "node:test";
import { JsonRpcError } from "@baa/app-server-client";
import { getJson, postJson, startFakeCodexd } from "./support/start-fake-codexd.js";

test("steer and interrupt need a running turn; both reach app-server with the turn id", async () => {
  const codexd = await startFakeCodexd();
  codexd.appServer.autoComplete = false;
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const idle = await postJson(`${codexd.base}/v1/codexd/turn/steer`, { sessionId, input: "more" });
    assert.equal(idle.status, 409);
    assert.equal(idle.body.error.code, "no_turn_in_progress");
    const turnId = (await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "go" })).body.data
      .turnId;
    const steer = await postJson(`${codexd.base}/v1/codexd/turn/steer`, { sessionId, input: "also this" });
    assert.equal(steer.status, 202);
    assert.equal(steer.body.data.turnId, turnId);
    const wrong = await postJson(`${codexd.base}/v1/codexd/turn/interrupt`, {
      sessionId,
      turnId: "turn-other"
    });
    assert.equal(wrong.status, 409);
    const interrupt = await postJson(`${codexd.base}/v1/codexd/turn/interrupt`, { sessionId });
    assert.equal(interrupt.status, 202);
    const calls = codexd.appServer.calls.map((c) => c.method);
    assert.deepEqual(calls.slice(-2), ["turn/steer", "turn/interrupt"]);
    codexd.appServer.failNext = new JsonRpcError(-32600, "no active turn to steer", undefined, "turn/steer");
    const gone = await postJson(`${codexd.base}/v1/codexd/turn/steer`, { sessionId, input: "late" });
    assert.equal(gone.status, 409);
  } finally {
    await codexd.stop();
  }
});

test("a closed session takes no turns, stays listed, and is not resumed at the next child start", async () => {
  const codexd = await startFakeCodexd({ restartBaseDelayMs: 5 });
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const closed = await fetch(`${codexd.base}/v1/codexd/sessions/${sessionId}/close`, { method: "POST" });
    assert.equal(closed.status, 200);
    assert.equal(((await closed.json()) as any).data.session.status, "closed");
    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "x" });
    assert.equal(turn.status, 409);
    assert.equal(turn.body.error.code, "session_closed");
    assert.equal((await getJson(`${codexd.base}/v1/codexd/sessions`)).body.data.sessions.length, 1);
    const restart = await postJson(`${codexd.base}/v1/codexd/child/restart`, {});
    assert.equal(restart.body.data.running, true);
    assert.ok(!codexd.appServer.calls.some((c) => c.method === "thread/resume"));
  } finally {
    await codexd.stop();
  }
});

test("codexd's own limits answer 429 with Retry-After", async () => {
  const codexd = await startFakeCodexd({ maxActiveTurns: 1, maxSessions: 2 });
  codexd.appServer.autoComplete = false;
  try {
    const a = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const b = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const third = await postJson(`${codexd.base}/v1/codexd/sessions`, {});
    assert.equal(third.status, 429);
    assert.equal(third.headers.get("retry-after"), "30");
    assert.equal((await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: a, input: "1" })).status, 202);
    const busy = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: b, input: "2" });
    assert.equal(busy.status, 429);
    assert.equal(busy.body.error.code, "too_many_requests");
    assert.ok(busy.headers.get("retry-after"));
  } finally {
    await codexd.stop();
  }
});

test("closing a session mid-turn ends that turn as interrupted and frees its slot", async () => {
  const codexd = await startFakeCodexd({ maxActiveTurns: 1 });
  codexd.appServer.autoComplete = false;
  try {
    const a = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const b = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const turnId = (await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: a, input: "long" })).body
      .data.turnId;
    const closed = (await postJson(`${codexd.base}/v1/codexd/sessions/${a}/close`, {})).body.data.session;
    assert.equal(closed.status, "closed");
    assert.equal(closed.activeTurn, null);
    assert.equal(closed.lastTurnId, turnId);
    assert.equal(closed.lastTurnStatus, "interrupted");
    assert.ok(codexd.appServer.calls.some((c) => c.method === "turn/interrupt"));
    assert.equal(
      (await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: b, input: "now me" })).status,
      202
    );
  } finally {
    await codexd.stop();
  }
});

test("a session whose thread cannot be resumed is failed with the reason, kept, and refuses turns with session_failed", async () => {
  const codexd = await startFakeCodexd({ restartBaseDelayMs: 5, restartMaxDelayMs: 10 });
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "one" });
    codexd.appServer.threadResume = async () => {
      throw new Error("no rollout found");
    };
    const restart = await postJson(`${codexd.base}/v1/codexd/child/restart`, {});
    assert.equal(restart.body.data.running, true);
    const session = (await getJson(`${codexd.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
    assert.equal(session.status, "failed");
    assert.match(session.statusReason, /no rollout found/);
    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "two" });
    assert.equal(turn.status, 409);
    assert.equal(turn.body.error.code, "session_failed");
  } finally {
    await codexd.stop();
  }
});

test("closed sessions beyond the limit are dropped from the registry, oldest first", async () => {
  const codexd = await startFakeCodexd({ maxClosedSessions: 2 });
  try {
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const id = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
      ids.push(id);
      await postJson(`${codexd.base}/v1/codexd/sessions/${id}/close`, {});
    }
    const listed = (await getJson(`${codexd.base}/v1/codexd/sessions`)).body.data.sessions.map(
      (s: { sessionId: string }) => s.sessionId
    );
    assert.deepEqual(listed.sort(), ids.slice(2).sort());
    assert.equal((await getJson(`${codexd.base}/v1/codexd/sessions/${ids[0]}`)).status, 404);
  } finally {
    await codexd.stop();
  }
});
