import assert from "node:assert/strict";
import test from "node:test";
import { nextEvent } from "../../packages/event-log/dist/index.js";
import { getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";

// Every wait is on an event codexd records (subscribed before the action), never a poll.
test("kill -9 of the codex child mid-turn: the turn is interrupted, the child comes back, the session goes on with its history", async () => {
  const stack = await startRealStack({ codexd: { restartBaseDelayMs: 100, restartMaxDelayMs: 200 } });
  try {
    const base = stack.codexdBase;
    const events = stack.codexd.events;
    stack.model.enqueue({ kind: "text", text: "first answer" });
    const sessionId = (await postJson(`${base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const firstDone = nextEvent(
      events,
      (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId
    );
    assert.equal(
      (await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "remember the word PELICAN" })).status,
      202
    );
    await firstDone;
    assert.equal(
      (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session.lastTurnStatus,
      "completed"
    );

    stack.model.enqueue({ kind: "hang" });
    const hanging = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "this one will hang" });
    assert.equal(hanging.status, 202);
    await stack.model.waitForRequest((r) => r.lastUserText === "this one will hang");
    const before = (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
    const interruptedEvent = nextEvent(
      events,
      (e) => e.type === "turn.interrupted" && e.sessionId === sessionId
    );
    const restarted = nextEvent(events, (e) => e.type === "child.started");
    process.kill(before.pid, "SIGKILL");

    await interruptedEvent;
    const interrupted = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
    assert.equal(interrupted.lastTurnStatus, "interrupted");
    assert.equal(interrupted.lastTurnId, hanging.body.data.turnId);
    assert.match(interrupted.lastTurnError, /SIGKILL/);

    await restarted;
    const child = (await getJson(`${base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
    assert.equal(child.status, "running");
    assert.notEqual(child.pid, before.pid);
    assert.equal(child.restarts, 1);
    assert.equal(child.exitSignal, "SIGKILL");

    stack.model.enqueue({ kind: "text", text: "still here" });
    const nextDone = nextEvent(
      events,
      (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId
    );
    const next = await postJson(`${base}/v1/codexd/turn`, { sessionId, input: "what was the word?" });
    assert.equal(next.status, 202, next.text);
    assert.equal((await nextDone).turnId, next.body.data.turnId);
    const done = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
    assert.equal(done.lastTurnStatus, "completed");
    assert.equal(done.lastAgentMessage, "still here");
    // The resumed thread carried the earlier turns to the model.
    const last = stack.model.requests.at(-1)!;
    assert.ok(last.userTexts.includes("remember the word PELICAN"), JSON.stringify(last.userTexts));
    const types = (await getJson(`${base}/v1/codexd/sessions/${sessionId}`)).body.data.recentEvents.map(
      (e: any) => e.type
    );
    for (const t of ["turn.interrupted", "session.resumed"]) assert.ok(types.includes(t), t);
  } finally {
    await stack.stop();
  }
});
