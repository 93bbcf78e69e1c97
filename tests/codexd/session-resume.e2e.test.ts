import assert from "node:assert/strict";
import test from "node:test";
import { nextEvent } from "../../packages/event-log/dist/index.js";
import { postJson } from "../support/http.js";
import { startRealStack, type RealStack } from "../support/real-stack.js";

// A session opened on an existing thread (POST .../sessions {threadId}) goes on with the
// conversation: real `codex app-server`, loopback mock model; straight to codexd and through the
// conductor's proxy.

const FIRST = "remember the word PINEAPPLE";
const FIRST_REPLY = "I will remember PINEAPPLE.";
const SECOND = "which word did I ask you to remember?";

/** Runs one turn in the session and waits until app-server says it completed. */
async function runTurn(stack: RealStack, base: string, sessionId: string, input: string): Promise<void> {
  const completed = nextEvent(
    stack.codexd.events,
    (e) => e.type === "app-server.turn.completed" && e.sessionId === sessionId
  );
  const turn = await postJson(`${base}/turn`, { sessionId, input });
  assert.equal(turn.status, 202, turn.text);
  await completed;
}

/** First session: a turn, then closed. Second session on the same thread: a turn that carries the first. */
async function resumeConversation(stack: RealStack, base: string): Promise<void> {
  stack.model.enqueue({ kind: "text", text: FIRST_REPLY });
  const first = await postJson(`${base}/sessions`, { cwd: stack.dir.path("repo") });
  assert.equal(first.status, 201, first.text);
  const { sessionId, threadId } = first.body.data.session;
  await runTurn(stack, base, sessionId, FIRST);

  // While the first session is open its thread is taken.
  const busy = await postJson(`${base}/sessions`, { threadId });
  assert.equal(busy.status, 409, busy.text);
  assert.equal(busy.body.error.code, "thread_in_use");
  assert.match(busy.body.error.message, new RegExp(sessionId));

  const closed = await postJson(`${base}/sessions/${sessionId}/close`, {});
  assert.equal(closed.status, 200, closed.text);

  const second = await postJson(`${base}/sessions`, { threadId, purpose: "worker" });
  assert.equal(second.status, 201, second.text);
  const resumed = second.body.data.session;
  assert.equal(resumed.threadId, threadId);
  assert.notEqual(resumed.sessionId, sessionId);
  assert.equal(resumed.resumed, true);
  assert.equal(resumed.status, "active");

  const asked = stack.model.waitForRequest((r) => r.lastUserText === SECOND);
  await runTurn(stack, base, resumed.sessionId, SECOND);
  const request = await asked;
  // The model's second request holds the first exchange: the user's words and the reply.
  assert.ok(request.userTexts.includes(FIRST), `first user text in ${JSON.stringify(request.userTexts)}`);
  assert.ok(JSON.stringify(request.body).includes(FIRST_REPLY), "the first reply is in the second request");
}

async function refuseUnknownThreads(base: string): Promise<void> {
  // A UUID codex never saw, and an id that is not a UUID at all: codex knows neither.
  for (const threadId of ["019a0000-0000-7000-8000-000000000000", "thread-that-never-was"]) {
    const missing = await postJson(`${base}/sessions`, { threadId });
    assert.equal(missing.status, 404, missing.text);
    assert.equal(missing.body.error.code, "thread_not_found");
    assert.match(missing.body.error.message, new RegExp(threadId));
  }
}

test("codexd: a session opened on a closed session's thread goes on with its conversation", async () => {
  const stack = await startRealStack();
  try {
    const base = `${stack.codexdBase}/v1/codexd`;
    await resumeConversation(stack, base);
    await refuseUnknownThreads(base);
  } finally {
    await stack.stop();
  }
});

test("conductor: POST /v1/codex/sessions {threadId} resumes the thread through the proxy", async () => {
  const stack = await startRealStack();
  try {
    const base = `${stack.conductorBase}/v1/codex`;
    await resumeConversation(stack, base);
    await refuseUnknownThreads(base);
  } finally {
    await stack.stop();
  }
});

test("codexd: a thread from before a restart resumes on the new child from disk", async () => {
  const stack = await startRealStack();
  try {
    const base = `${stack.codexdBase}/v1/codexd`;
    stack.model.enqueue({ kind: "text", text: FIRST_REPLY });
    const first = (await postJson(`${base}/sessions`, {})).body.data.session;
    await runTurn(stack, base, first.sessionId, FIRST);
    assert.equal((await postJson(`${base}/sessions/${first.sessionId}/close`, {})).status, 200);
    // A closed session is not resumed at start, so the new child has never loaded the thread.
    await stack.restartCodexd();

    const second = await postJson(`${base}/sessions`, { threadId: first.threadId });
    assert.equal(second.status, 201, second.text);
    const asked = stack.model.waitForRequest((r) => r.lastUserText === SECOND);
    await runTurn(stack, base, second.body.data.session.sessionId, SECOND);
    assert.ok((await asked).userTexts.includes(FIRST));
  } finally {
    await stack.stop();
  }
});
