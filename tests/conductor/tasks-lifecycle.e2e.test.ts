import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { ReplyFactory } from "@baa/mock-model";
import { getJson, postJson } from "../support/http.js";
import { startTaskStack, type TaskStack } from "../support/task-stack.js";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));
const readLines = (path: string) =>
  readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line));

test("a task runs to succeeded through the real codex binary, with its run folder complete", async () => {
  const stack = await startTaskStack();
  try {
    const cwd = stack.dir.path("repo");
    const created = await stack.createTask({ title: "say hello", prompt: "hello task", cwd });
    assert.equal(created.status, 201, created.text);
    const taskId = created.body.data.task.taskId;
    const done = await stack.waitTask(taskId, (t) => t.state === "succeeded", "succeeded");
    assert.equal(done.attemptsSpent, 0);
    const runs = await stack.runs(taskId);
    assert.equal(runs.length, 1);
    const run = runs[0];
    assert.equal(run.state, "succeeded");
    assert.equal(run.finalMessage, "mock reply to: hello task");
    assert.match(run.sessionId, /^session-/);
    assert.equal(run.workspace.kind, "shared");
    assert.ok(
      stack.model.requests.some((r) => r.lastUserText === "hello task"),
      "the prompt reached the model"
    );

    const folder = stack.dir.path("runs", run.runId);
    const meta = readJson(join(folder, "meta.json"));
    assert.equal(meta.state, "succeeded");
    assert.equal(meta.taskId, taskId);
    assert.equal(meta.sessionId, run.sessionId);
    assert.equal(readFileSync(join(folder, "final-message.md"), "utf8").trim(), "mock reply to: hello task");
    assert.ok(existsSync(join(folder, "usage.json")), "token usage written");
    const events = readLines(join(folder, "events.jsonl"));
    const types = events.map((e) => e.type);
    assert.equal(types[0], "run.started");
    assert.equal(types.at(-1), "run.ended");
    assert.ok(types.includes("app-server.turn.completed"));
    assert.ok(events.every((e) => e.taskId === taskId && e.runId === run.runId));

    // The same events through the API, by run, paged.
    const page = await getJson(`${stack.conductorBase}/v1/runs/${run.runId}/events?limit=2`);
    assert.equal(page.status, 200);
    assert.equal(page.body.data.events.length, 2);
    assert.equal(page.body.data.events[0].type, "run.started");
    const next = await getJson(
      `${stack.conductorBase}/v1/runs/${run.runId}/events?after=${page.body.data.nextAfter}&limit=1000`
    );
    assert.equal(2 + next.body.data.events.length, events.length);
    const one = await getJson(`${stack.conductorBase}/v1/runs/${run.runId}`);
    assert.equal(one.body.data.run.state, "succeeded");
    assert.equal(one.body.data.events.length, events.length);

    // The worker session was closed at the end.
    const session = (await getJson(`${stack.conductorBase}/v1/codex/sessions/${run.sessionId}`)).body.data
      .session;
    assert.equal(session.purpose, "worker");
    assert.equal(session.status, "closed");

    // A replay of the task's events from the start over the WebSocket.
    const socket = await stack.taskEvents(taskId, 0);
    await socket.waitFor((e) => e.type === "run.ended", "replayed run.ended");
    assert.deepEqual(
      socket.events.map((e) => e.seq),
      events.map((e) => e.seq)
    );
    socket.close();
  } finally {
    await stack.stop();
  }
});

/** The mock's answer by prompt: FAIL is a 400, HANG never answers, TOUCH asks to run `touch`. */
const replyByPrompt: ReplyFactory = (r) => {
  const prompt = r.lastUserText ?? "";
  if (r.functionCallOutputs.length > 0)
    return {
      kind: "text",
      text: `tool said: ${r.functionCallOutputs
        .map((o) => o.output)
        .join(" / ")
        .slice(0, 200)}`
    };
  if (prompt.startsWith("FAIL"))
    return { kind: "http_error", status: 400, body: { error: { message: "mock refuses this prompt" } } };
  if (prompt.startsWith("HANG")) return { kind: "hang" };
  if (prompt.startsWith("TOUCH"))
    return { kind: "tool_call", arguments: { cmd: `touch ${prompt.slice("TOUCH ".length)}` } };
  return { kind: "text", text: `mock reply to: ${prompt}` };
};

/** A failing task is retried, then failed, each failure spending an attempt; a retry starts it over. */
async function failingIsRetriedThenFailed(stack: TaskStack): Promise<void> {
  const base = stack.conductorBase;
  const requestsFor = (prompt: string) => stack.model.requests.filter((r) => r.lastUserText === prompt);
  const created = await stack.createTask({ title: "fails", prompt: "FAIL always", maxAttempts: 2 });
  assert.equal(created.status, 201, created.text);
  const taskId = created.body.data.task.taskId;
  const failed = await stack.waitTask(taskId, (task) => task.state === "failed", "failed");
  assert.equal(failed.attemptsSpent, 2);
  assert.match(failed.stateReason, /mock refuses this prompt/);
  const runs = await stack.runs(taskId);
  assert.deepEqual(runs.map((r) => [r.attempt, r.state]).sort(), [
    [1, "failed"],
    [2, "failed"]
  ]);
  assert.equal(
    requestsFor("FAIL always").length,
    2,
    "one model request per attempt (a 400 is not retried by codex)"
  );
  const retry = await postJson(`${base}/v1/tasks/${taskId}/retry`, {});
  assert.equal(retry.status, 200, retry.text);
  assert.equal(retry.body.data.task.attemptsSpent, 0);
  await stack.waitTask(
    taskId,
    (task) => task.state === "failed" && task.runCount === 4,
    "failed again after the retry"
  );
}

/** A turn waiting on an approval shows needs_approval; answering it lets the run finish. */
async function approvalWaitThenFinish(stack: TaskStack): Promise<void> {
  const base = stack.conductorBase;
  const file = stack.dir.path("repo", "approved.txt");
  const prompt = `TOUCH ${file}`;
  const taskId = (
    await stack.createTask({
      title: "touch",
      prompt,
      cwd: stack.dir.path("repo"),
      approvalPolicy: "untrusted",
      sandbox: "workspace-write"
    })
  ).body.data.task.taskId;
  const events = await stack.taskEvents(taskId, 0);
  await stack.waitTask(taskId, (task) => task.state === "needs_approval", "needs_approval");
  const requested = await events.waitFor(
    (e) => e.type === "approval.requested",
    "approval on the task's stream"
  );
  const approvalId = requested.data.approval.approvalId;
  const answer = await postJson(`${base}/v1/codex/approvals/${approvalId}`, { decision: "accept" });
  assert.equal(answer.status, 200, answer.text);
  const done = await stack.waitTask(taskId, (task) => task.state === "succeeded", "succeeded");
  assert.equal(done.attemptsSpent, 0);
  assert.ok(existsSync(file), "the approved command ran");
  await events.waitFor((e) => e.type === "run.ended", "run.ended live");
  const states = events.events.filter((e) => e.type === "approval.answered");
  assert.equal(states.length, 1);
  events.close();
}

// One stack for the scenarios below; the mock answers by prompt so they cannot take each other's replies.
test("failing, cancelled, timed out and approval-waiting tasks, through the real binary", async (t) => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(replyByPrompt);
  const base = stack.conductorBase;
  try {
    await t.test("a failing task is retried, then failed, each failure spending an attempt", () =>
      failingIsRetriedThenFailed(stack)
    );

    await t.test("cancel interrupts the running turn: the model sees its stream closed", async () => {
      const taskId = (await stack.createTask({ title: "hangs", prompt: "HANG for cancel" })).body.data.task
        .taskId;
      const request = await stack.model.waitForRequest((r) => r.lastUserText === "HANG for cancel", 60_000);
      assert.equal((await stack.task(taskId)).state, "running");
      const cancel = await postJson(`${base}/v1/tasks/${taskId}/cancel`, { reason: "changed my mind" });
      assert.equal(cancel.status, 202, cancel.text);
      assert.equal(cancel.body.data.outcome, "requested");
      const cancelled = await stack.waitTask(taskId, (task) => task.state === "cancelled", "cancelled");
      assert.equal(cancelled.attemptsSpent, 0);
      const [run] = await stack.runs(taskId);
      assert.equal(run.state, "cancelled");
      assert.notEqual(request.closedAt, null, "codex dropped the model stream");
      const again = await postJson(`${base}/v1/tasks/${taskId}/cancel`, {});
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, "task_ended");
    });

    await t.test("a task past its timeoutMs is interrupted and ends timed_out", async () => {
      // timeoutMs counts from the run's start: long enough that the turn reaches the model first
      // on a loaded machine (at 1500 ms it once timed out before codex sent the request).
      const taskId = (await stack.createTask({ title: "slow", prompt: "HANG for timeout", timeoutMs: 8000 }))
        .body.data.task.taskId;
      const request = await stack.model.waitForRequest((r) => r.lastUserText === "HANG for timeout", 60_000);
      const ended = await stack.waitTask(taskId, (task) => task.state === "timed_out", "timed_out");
      assert.match(ended.stateReason, /timeoutMs 8000/);
      const [run] = await stack.runs(taskId);
      assert.equal(run.state, "timed_out");
      assert.notEqual(request.closedAt, null, "codex dropped the model stream");
    });

    await t.test("a turn waiting on an approval shows needs_approval; answering it lets the run finish", () =>
      approvalWaitThenFinish(stack)
    );
  } finally {
    await stack.stop();
  }
});

test("WS /v1/tasks/:task_id/events: live events without after; an unknown task is closed with 4404", async () => {
  const stack = await startTaskStack();
  try {
    const notBefore = new Date(Date.now() + 1000).toISOString();
    const taskId = (await stack.createTask({ title: "later", prompt: "live please", notBefore })).body.data
      .task.taskId;
    const live = await stack.taskEvents(taskId);
    const ended = await live.waitFor((e) => e.type === "run.ended", "run.ended live", 30_000);
    assert.equal(ended.data.state, "succeeded");
    assert.equal(live.events[0].type, "run.started", "the stream began before the run did");
    assert.ok(
      live.events.every((e, i) => i === 0 || e.seq > live.events[i - 1].seq),
      "in seq order"
    );
    live.close();
    const unknown = await stack.taskEvents("task-nope").then(
      (socket) => socket.closed,
      (error: Error) => ({ code: -1, reason: error.message })
    );
    assert.equal(unknown.code, 4404);
  } finally {
    await stack.stop();
  }
});
