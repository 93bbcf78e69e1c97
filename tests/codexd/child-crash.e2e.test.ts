import assert from "node:assert/strict";
import test from "node:test";
import { eventually, getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";

test("kill -9 of the codex child mid-turn: the turn is interrupted, the child comes back, the session goes on with its history", async () => {
  const stack = await startRealStack({ codexd: { restartBaseDelayMs: 100, restartMaxDelayMs: 200 } });
  try {
    const base = stack.codexdBase;
    stack.model.enqueue({ kind: "text", text: "first answer" });
    const sessionId = (await postJson(`${base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    assert.equal((await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "remember the word PELICAN" })).status, 202);
    await eventually(async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      return s.lastTurnStatus === "completed" ? s : null;
    }, "first turn");

    stack.model.enqueue({ kind: "hang" });
    const hanging = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "this one will hang" });
    assert.equal(hanging.status, 202);
    await stack.model.waitForRequest((r) => r.lastUserText === "this one will hang");
    const before = (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
    process.kill(before.pid, "SIGKILL");

    const interrupted = await eventually(async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      return s.lastTurnStatus === "interrupted" ? s : null;
    }, "interrupted turn");
    assert.equal(interrupted.lastTurnId, hanging.body.data.turnId);
    assert.match(interrupted.lastTurnError, /SIGKILL/);

    const child = await eventually(async () => {
      const c = (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
      return c.status === "running" ? c : null;
    }, "child running again");
    assert.notEqual(child.pid, before.pid);
    assert.equal(child.restarts, 1);
    assert.equal(child.exitSignal, "SIGKILL");

    stack.model.enqueue({ kind: "text", text: "still here" });
    const next = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "what was the word?" });
    assert.equal(next.status, 202, next.text);
    const done = await eventually(async () => {
      const s = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      return s.lastTurnStatus === "completed" && s.lastTurnId === next.body.data.turnId ? s : null;
    }, "turn after the restart");
    assert.equal(done.lastAgentMessage, "still here");
    // The resumed thread carried the earlier turns to the model.
    const last = stack.model.requests.at(-1)!;
    assert.ok(last.userTexts.includes("remember the word PELICAN"), JSON.stringify(last.userTexts));
    const types = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.recentEvents.map((e: any) => e.type);
    for (const t of ["turn.interrupted", "session.resumed"]) assert.ok(types.includes(t), t);
  } finally {
    await stack.stop();
  }
});
