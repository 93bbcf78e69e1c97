import assert from "node:assert/strict";
import test from "node:test";
import { nextEvent } from "../../packages/event-log/dist/index.js";
import { getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";

// Through the conductor, as a client would steer and stop a turn. Waits are on the events codexd
// records (subscribed before the action), not polls.

test("interrupting a slow turn ends it as interrupted, and the session takes the next turn", async () => {
  const stack = await startRealStack();
  try {
    const base = stack.conductorBase;
    const sessionId = (await postJson(`${base}/v1/codex/sessions`, {})).body.data.session.sessionId;
    stack.model.enqueue({ kind: "hang" });
    const events = stack.codexd.events;
    const started = nextEvent(
      events,
      (e) => e.type === "app-server.turn.started" && e.sessionId === sessionId
    );
    const turn = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "take forever" });
    await stack.model.waitForRequest((r) => r.lastUserText === "take forever");
    await started;
    const completed = nextEvent(
      events,
      (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId
    );
    const interrupt = await postJson(`${base}/v1/codex/turn/interrupt`, {
      sessionId,
      turnId: turn.body.data.turnId
    });
    assert.equal(interrupt.status, 202, interrupt.text);
    await completed;
    const ended = (await getJson(`${base}/v1/codex/sessions/${sessionId}`)).body.data;
    assert.equal(ended.session.lastTurnStatus, "interrupted");
    assert.equal(ended.session.lastTurnId, turn.body.data.turnId);
    assert.equal(ended.session.activeTurn, null);
    const completedEvent = ended.recentEvents.find((e: any) => e.type === "app-server.turn.completed");
    assert.equal(completedEvent.data.turn.status, "interrupted");
    const again = await postJson(`${base}/v1/codex/turn/interrupt`, { sessionId });
    assert.equal(again.status, 409);
    stack.model.enqueue({ kind: "text", text: "quick this time" });
    assert.equal((await postJson(`${base}/v1/codex/turn`, { sessionId, input: "next" })).status, 202);
  } finally {
    await stack.stop();
  }
});

test("steering a running turn adds input the model sees before the turn completes", async () => {
  const stack = await startRealStack();
  try {
    const base = stack.conductorBase;
    const sessionId = (
      await postJson(`${base}/v1/codex/sessions`, { sandbox: "danger-full-access", approvalPolicy: "never" })
    ).body.data.session.sessionId;
    // The tool call keeps the turn busy for a while; codex folds the steer into its next request.
    stack.model.enqueue({
      kind: "tool_call",
      arguments: { cmd: "sleep 1.5; echo slept", yield_time_ms: 5000 }
    });
    stack.model.setDefaultReply((r) => ({ kind: "text", text: `seen: ${r.userTexts.join(" | ")}` }));
    const events = stack.codexd.events;
    const started = nextEvent(
      events,
      (e) => e.type === "app-server.turn.started" && e.sessionId === sessionId
    );
    const completed = nextEvent(
      events,
      (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId
    );
    const turn = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "run the slow command" });
    assert.equal(turn.status, 202);
    await started;
    await stack.model.waitForRequest((r) => r.lastUserText === "run the slow command");
    const steer = await postJson(`${base}/v1/codex/turn/steer`, {
      sessionId,
      input: "STEER: also say hello"
    });
    assert.equal(steer.status, 202, steer.text);
    assert.equal(steer.body.data.turnId, turn.body.data.turnId);
    await completed;
    const done = (await getJson(`${base}/v1/codex/sessions/${sessionId}`)).body.data.session;
    assert.equal(done.lastTurnStatus, "completed");
    assert.equal(done.lastTurnId, turn.body.data.turnId);
    assert.ok(
      stack.model.requests.some((r) => r.userTexts.includes("STEER: also say hello")),
      "the model got the steer input"
    );
    assert.match(done.lastAgentMessage, /STEER: also say hello/);
    const idle = await postJson(`${base}/v1/codex/turn/steer`, { sessionId, input: "too late" });
    assert.equal(idle.status, 409);
  } finally {
    await stack.stop();
  }
});
