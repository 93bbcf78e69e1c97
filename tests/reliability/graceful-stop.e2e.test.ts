import assert from "node:assert/strict";
import test from "node:test";
import { openEventSocket } from "../support/event-socket.js";
import { getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";
import { reportFigures } from "./support/reliability-env.js";

test("a graceful codexd stop while a turn streams from a hanging model ends within its shutdown deadline, the turn interrupted with a reason", async () => {
  const stack = await startRealStack();
  try {
    const sessionId = (await postJson(`${stack.codexdBase}/v1/codexd/sessions`, { purpose: "stop" })).body
      .data.session.sessionId;
    stack.model.enqueue({ kind: "hang" });
    const turn = await postJson(`${stack.codexdBase}/v1/codexd/turn`, {
      sessionId,
      input: "hang while we stop"
    });
    assert.equal(turn.status, 202, turn.text);
    await stack.model.waitForRequest((r) => r.lastUserText === "hang while we stop");
    // Live subscribers, on codexd and through the conductor's relay, must not hold the stop.
    const direct = await openEventSocket(
      `${stack.codexdBase.replace(/^http/, "ws")}/v1/codexd/events?after=0`
    );
    const relayed = await openEventSocket(
      `${stack.conductorBase.replace(/^http/, "ws")}/v1/codex/events?sessionId=${sessionId}`
    );
    const started = Date.now();
    await stack.codexd.stop();
    const stopMs = Date.now() - started;
    const session = stack.codexd.sessions.list().find((s) => s.sessionId === sessionId);
    reportFigures("graceful-stop", {
      stopMs,
      directClose: (await direct.closed).code,
      relayedClose: (await relayed.closed).code
    });
    assert.equal(session?.lastTurnStatus, "interrupted");
    assert.match(String(session?.lastTurnError), /codexd stopped/);
    // The documented deadline is 15 s (docs/runtime/codexd.md, "Stop"): a bound, not a speed.
    assert.ok(stopMs < 15_000, `stop took ${stopMs} ms`);
    assert.equal((await getJson(`${stack.conductorBase}/healthz`)).status, 200);
  } finally {
    await stack.stop();
  }
});
