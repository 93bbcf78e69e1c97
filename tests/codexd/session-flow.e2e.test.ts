import assert from "node:assert/strict";
import test from "node:test";
import { openEventSocket } from "../support/event-socket.js";
import { nextEvent } from "../../packages/event-log/dist/index.js";
import { getJson, postJson, request } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";

// Real `codex app-server` + loopback mock model, driven through the conductor.

test("a turn through the conductor completes, its text is in the events, and the WS stream shows them live in order", async () => {
  const stack = await startRealStack();
  try {
    const base = stack.conductorBase;
    const wsUrl = `${base.replace(/^http/, "ws")}/v1/codex/events`;
    const socket = await openEventSocket(wsUrl);
    stack.model.enqueue({ kind: "text", text: "The answer is 42.", chunks: 3 });

    const created = await postJson(`${base}/v1/codex/sessions`, {
      cwd: stack.dir.path("repo"),
      purpose: "duplex"
    });
    assert.equal(created.status, 201, created.text);
    const session = created.body.data.session;
    assert.match(session.sessionId, /^session-/);
    assert.equal(session.status, "active");
    assert.ok(session.threadId);

    const completed = nextEvent(
      stack.codexd.events,
      (e) => e.type === "app-server.turn.completed" && e.sessionId === session.sessionId
    );
    const turn = await postJson(`${base}/v1/codex/turn`, {
      sessionId: session.sessionId,
      input: "What is six times seven?"
    });
    assert.equal(turn.status, 202, turn.text);
    const turnId = turn.body.data.turnId;
    assert.equal(turn.body.data.accepted, true);

    await completed;
    const read = (await getJson(`${base}/v1/codex/sessions/${session.sessionId}`)).body.data;
    assert.equal(read.session.lastTurnStatus, "completed");
    assert.equal(read.session.lastTurnId, turnId);
    assert.equal(read.session.lastAgentMessage, "The answer is 42.");
    const deltas = read.recentEvents
      .filter((e: any) => e.type === "app-server.item.agentMessage.delta")
      .map((e: any) => e.data.delta)
      .join("");
    assert.equal(deltas, "The answer is 42.");

    // The mock saw the user's words.
    assert.ok(stack.model.requests.some((r) => r.userTexts.includes("What is six times seven?")));

    // The same events arrived live, in seq order, ending with the completion.
    await socket.waitFor(
      (e) => e.type === "app-server.turn.completed" && e.turnId === turnId,
      "live turn.completed"
    );
    const live = socket.events.filter((e) => e.sessionId === session.sessionId);
    const stored = read.recentEvents.map((e: any) => e.seq);
    const liveSeqs = live.map((e) => e.seq);
    assert.deepEqual(
      liveSeqs,
      [...liveSeqs].sort((a, b) => a - b)
    );
    for (const seq of stored) assert.ok(liveSeqs.includes(seq), `stored seq ${seq} also arrived live`);
    socket.close();
  } finally {
    await stack.stop();
  }
});

test("two sessions run turns at the same time on one child and each gets only its own events", async () => {
  const stack = await startRealStack();
  try {
    const base = stack.conductorBase;
    stack.model.setDefaultReply((req) => ({
      kind: "slow_text",
      text: `reply for ${req.lastUserText}`,
      totalMs: 300
    }));
    const [a, b] = await Promise.all(
      ["alpha", "beta"].map(
        async (name) => (await postJson(`${base}/v1/codex/sessions`, { purpose: name })).body.data.session
      )
    );
    const sockets = await Promise.all(
      [a, b].map((s) =>
        openEventSocket(`${base.replace(/^http/, "ws")}/v1/codex/events?sessionId=${s.sessionId}`)
      )
    );
    const turns = await Promise.all([
      postJson(`${base}/v1/codex/turn`, { sessionId: a.sessionId, input: "from alpha" }),
      postJson(`${base}/v1/codex/turn`, { sessionId: b.sessionId, input: "from beta" })
    ]);
    assert.deepEqual(
      turns.map((t) => t.status),
      [202, 202]
    );
    // While both run, each session reports its own turn in progress.
    const [ra, rb] = await Promise.all(
      [a, b].map(async (s) => (await getJson(`${base}/v1/codex/sessions/${s.sessionId}`)).body.data.session)
    );
    assert.notEqual(ra.lastTurnId, rb.lastTurnId);

    const done = await Promise.all(
      sockets.map((socket, i) =>
        socket.waitFor((e) => e.type === "app-server.turn.completed", `completion of ${["alpha", "beta"][i]}`)
      )
    );
    assert.equal(done[0].sessionId, a.sessionId);
    assert.equal(done[1].sessionId, b.sessionId);
    for (const [i, socket] of sockets.entries()) {
      const own = [a, b][i]!.sessionId;
      assert.ok(
        socket.events.every((e) => e.sessionId === own),
        "no foreign events on a filtered stream"
      );
      const text = socket.events
        .filter((e) => e.type === "app-server.item.agentMessage.delta")
        .map((e) => e.data.delta)
        .join("");
      assert.equal(text, `reply for from ${["alpha", "beta"][i]}`);
      socket.close();
    }
  } finally {
    await stack.stop();
  }
});

test("bad input through the conductor is a 4xx JSON error and the stack keeps serving", async () => {
  const stack = await startRealStack();
  try {
    const base = stack.conductorBase;
    stack.model.setDefaultReply(() => ({ kind: "slow_text", text: "slow answer", totalMs: 1500 }));
    const sessionId = (await postJson(`${base}/v1/codex/sessions`, {})).body.data.session.sessionId;
    const checks: [string, string, unknown, number, string][] = [
      ["POST", "/v1/codex/turn", "{oops", 400, "invalid_json"],
      ["POST", "/v1/codex/turn", { input: "no session" }, 400, "validation_failed"],
      ["POST", "/v1/codex/turn", { sessionId, input: 42 }, 400, "validation_failed"],
      ["POST", "/v1/codex/turn", { sessionId: "session-unknown", input: "x" }, 404, "session_not_found"],
      ["GET", "/v1/codex/sessions/session-unknown", undefined, 404, "session_not_found"],
      ["POST", "/v1/codex/sessions", { approvalPolicy: "sometimes" }, 400, "validation_failed"],
      ["POST", "/v1/codex/turn", { sessionId, input: "x".repeat(2 * 1024 * 1024) }, 413, "payload_too_large"]
    ];
    for (const [method, path, body, status, code] of checks) {
      const r = await request(method, `${base}${path}`, body);
      assert.equal(r.status, status, `${method} ${path}: ${r.text.slice(0, 200)}`);
      assert.equal(r.body.ok, false);
      assert.equal(r.body.error.code, code);
      assert.equal(typeof r.body.error.message, "string");
    }
    const firstDone = nextEvent(
      stack.codexd.events,
      (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId
    );
    const first = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "first" });
    assert.equal(first.status, 202);
    const second = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "second" });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, "turn_in_progress");
    await firstDone;
    assert.equal((await getJson(`${base}/healthz`)).status, 200);
    assert.equal((await getJson(`${stack.codexdBase}/healthz`)).status, 200);
    const again = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "third" });
    assert.equal(again.status, 202);
  } finally {
    await stack.stop();
  }
});
