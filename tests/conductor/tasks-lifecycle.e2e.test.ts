import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { getJson, postJson } from "../support/http.js";
import { startTaskStack } from "../support/task-stack.js";

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
    assert.ok(stack.model.requests.some((r) => r.lastUserText === "hello task"), "the prompt reached the model");

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
    const next = await getJson(`${stack.conductorBase}/v1/runs/${run.runId}/events?after=${page.body.data.nextAfter}&limit=1000`);
    assert.equal(2 + next.body.data.events.length, events.length);
    const one = await getJson(`${stack.conductorBase}/v1/runs/${run.runId}`);
    assert.equal(one.body.data.run.state, "succeeded");
    assert.equal(one.body.data.events.length, events.length);

    // The worker session was closed at the end.
    const session = (await getJson(`${stack.conductorBase}/v1/codex/sessions/${run.sessionId}`)).body.data.session;
    assert.equal(session.purpose, "worker");
    assert.equal(session.status, "closed");

    // A replay of the task's events from the start over the WebSocket.
    const socket = await stack.taskEvents(taskId, 0);
    await socket.waitFor((e) => e.type === "run.ended", "replayed run.ended");
    assert.deepEqual(socket.events.map((e) => e.seq), events.map((e) => e.seq));
    socket.close();
  } finally {
    await stack.stop();
  }
});
