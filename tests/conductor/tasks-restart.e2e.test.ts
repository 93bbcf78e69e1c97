import assert from "node:assert/strict";
import test from "node:test";
import { ConductorRuntime } from "../../apps/conductor-daemon/dist/index.js";
import { eventually, getJson } from "../support/http.js";
import { TEST_DATABASE_URL, testSchema } from "../support/postgres.js";
import { startTaskStack } from "../support/task-stack.js";

test("a conductor restart re-queues the task its run left running, without spending an attempt, and the new process finishes it", async () => {
  const stack = await startTaskStack();
  let seen = 0;
  stack.model.setDefaultReply((r) =>
    r.lastUserText === "survive a restart" && ++seen === 1
      ? { kind: "hang" }
      : { kind: "text", text: `mock reply to: ${r.lastUserText}` }
  );
  let second: ConductorRuntime | undefined;
  try {
    const taskId = (await stack.createTask({ title: "long", prompt: "survive a restart", maxAttempts: 1 }))
      .body.data.task.taskId;
    const first = await stack.model.waitForRequest((r) => r.lastUserText === "survive a restart", 60_000);
    await stack.conductor.stop();
    assert.notEqual(first.closedAt, null, "the running turn was interrupted on the way down");

    second = new ConductorRuntime(stack.conductor.config, { autoStartLoops: true });
    const base = (await second.start()).controlApi.localApiBase;
    const done = await eventually(
      async () => {
        const task = (await getJson(`${base}/v1/tasks/${taskId}`)).body.data.task;
        return task.state === "succeeded" ? task : null;
      },
      "succeeded after the restart",
      30_000
    );
    assert.equal(done.attemptsSpent, 0);
    const runs = ((await getJson(`${base}/v1/tasks/${taskId}/runs`)).body.data.runs as any[]).sort(
      (a, b) => a.attempt - b.attempt
    );
    assert.deepEqual(
      runs.map((r) => r.state),
      ["abandoned", "succeeded"]
    );
  } finally {
    await second?.stop();
    await stack.stop();
  }
});

test("on PostgreSQL: a task runs to succeeded and its events are found by run", async () => {
  const schema = testSchema("tasks");
  const stack = await startTaskStack({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema.name });
  try {
    const created = await stack.createTask({ title: "pg", prompt: "hello postgres" });
    assert.equal(created.status, 201, created.text);
    const taskId = created.body.data.task.taskId;
    await stack.waitTask(taskId, (t) => t.state === "succeeded", "succeeded");
    const [run] = await stack.runs(taskId);
    assert.equal(run.finalMessage, "mock reply to: hello postgres");
    const rows = await schema.query("select state, attempt from runs where task_id = $1", [taskId]);
    assert.deepEqual(
      rows.map((r) => [r.state, Number(r.attempt)]),
      [["succeeded", 1]]
    );
    const events = (await getJson(`${stack.conductorBase}/v1/runs/${run.runId}/events?type=run.ended`)).body
      .data.events;
    assert.equal(events.length, 1);
    assert.equal(events[0].data.state, "succeeded");
  } finally {
    await stack.stop();
    await schema.drop();
  }
});

test("a codexd restart under a running task: the run sees its turn interrupted, and the task is retried on the new codexd", async () => {
  const stack = await startTaskStack({ taskRetryBaseMs: 50 });
  // The first turn waits on an approval when codexd goes down (a hanging model stream would
  // hold codexd's stop for its full deadline); later ones just answer.
  let seen = 0;
  stack.model.setDefaultReply((r) =>
    r.lastUserText === "outlive codexd" && r.functionCallOutputs.length === 0 && ++seen === 1
      ? { kind: "tool_call", arguments: { cmd: `touch ${stack.dir.path("repo", "never.txt")}` } }
      : { kind: "text", text: `mock reply to: ${r.lastUserText}` }
  );
  try {
    const taskId = (
      await stack.createTask({
        title: "long",
        prompt: "outlive codexd",
        maxAttempts: 2,
        cwd: stack.dir.path("repo"),
        approvalPolicy: "untrusted",
        sandbox: "workspace-write"
      })
    ).body.data.task.taskId;
    await stack.waitTask(taskId, (t) => t.state === "needs_approval", "needs_approval");
    await stack.restartCodexd();
    const done = await stack.waitTask(
      taskId,
      (t) => t.state === "succeeded",
      "succeeded on the new codexd",
      60_000
    );
    const runs = (await stack.runs(taskId)).sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(
      runs.map((r) => r.state),
      ["failed", "succeeded"]
    );
    assert.match(runs[0].reason, /outside the conductor/);
    assert.equal(done.attemptsSpent, 1);
    assert.notEqual(runs[0].sessionId, runs[1].sessionId, "each run has its own worker session");
  } finally {
    await stack.stop();
  }
});
