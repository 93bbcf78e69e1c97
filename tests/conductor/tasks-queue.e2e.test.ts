import assert from "node:assert/strict";
import test from "node:test";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { eventually, getJson, postJson } from "../support/http.js";
import { startTaskStack, type TaskStack } from "../support/task-stack.js";

/** The mock answers by prompt: `HANG…` never ends, `FAIL…` is refused, `SLOW…` takes a moment, `STALL…` hangs the first time only. */
function answerByPrompt(stack: TaskStack): void {
  const seen = new Map<string, number>();
  stack.model.setDefaultReply((r: RecordedRequest): Reply => {
    const prompt = r.lastUserText ?? "";
    const count = (seen.get(prompt) ?? 0) + 1;
    seen.set(prompt, count);
    if (prompt.startsWith("HANG")) return { kind: "hang" };
    if (prompt.startsWith("FAIL"))
      return { kind: "http_error", status: 400, body: { error: { message: "refused" } } };
    if (prompt.startsWith("SLOW")) return { kind: "slow_text", text: `done: ${prompt}`, totalMs: 300 };
    if (prompt.startsWith("STALL") && count === 1) return { kind: "hang" };
    if (prompt.startsWith("LIMIT") && count === 1)
      return { kind: "usage_limit", resetsAt: Math.floor(Date.now() / 1000) + 3600 };
    return { kind: "text", text: `mock reply to: ${prompt}` };
  });
}

const created = async (stack: TaskStack, body: Record<string, unknown>, headers?: Record<string, string>) => {
  const answer = await stack.createTask(body, headers);
  assert.ok(answer.status === 201 || answer.status === 200, answer.text);
  return answer.body.data.task;
};

/** Bad bodies are 400 naming the field, unknown ids 404; the list pages by state with a cursor. */
async function badBodiesAndUnknownIds(stack: TaskStack): Promise<void> {
  const base = stack.conductorBase;
  const bad = await postJson(`${base}/v1/tasks`, { title: "t", prompt: "p", priority: "high" });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /priority/);
  const extra = await postJson(`${base}/v1/tasks`, { title: "t", prompt: "p", colour: "red" });
  assert.equal(extra.status, 400);
  assert.match(extra.body.error.message, /colour/);
  const relative = await postJson(`${base}/v1/tasks`, { title: "t", prompt: "p", cwd: "repo" });
  assert.match(relative.body.error.message, /cwd/);
  const missingDir = await postJson(`${base}/v1/tasks`, {
    title: "t",
    prompt: "p",
    cwd: stack.dir.path("nowhere")
  });
  assert.equal(missingDir.status, 400);
  assert.match(missingDir.body.error.message, /cwd: .*does not exist/);
  const notRepo = await postJson(`${base}/v1/tasks`, {
    title: "t",
    prompt: "p",
    cwd: stack.dir.path("repo"),
    workspace: "worktree"
  });
  assert.equal(notRepo.status, 400);
  assert.match(notRepo.body.error.message, /workspace: "worktree" needs a cwd inside a git repository/);
  assert.equal((await getJson(`${base}/v1/tasks/task-nope`)).status, 404);
  assert.equal((await getJson(`${base}/v1/tasks/task-nope`)).body.error.code, "task_not_found");
  assert.equal((await getJson(`${base}/v1/runs/run-nope`)).body.error.code, "run_not_found");
  assert.equal((await postJson(`${base}/v1/tasks/task-nope/cancel`, {})).status, 404);
  const listed = await getJson(`${base}/v1/tasks?state=succeeded&limit=2`);
  assert.equal(listed.status, 200);
  assert.equal(listed.body.data.tasks.length, 2);
  assert.ok(listed.body.data.tasks.every((task: any) => task.state === "succeeded"));
  const next = await getJson(
    `${base}/v1/tasks?state=succeeded&limit=2&cursor=${encodeURIComponent(listed.body.data.nextCursor)}`
  );
  assert.equal(next.status, 200);
  assert.ok(
    next.body.data.tasks.every(
      (task: any) => !listed.body.data.tasks.some((seen: any) => seen.taskId === task.taskId)
    )
  );
  assert.equal((await getJson(`${base}/v1/tasks?state=sleeping`)).status, 400);
}

/** dependsOn: a task runs after its dependency succeeded and fails fast, unrun, when one fails. */
async function dependentRunsAfterOrFailsFast(stack: TaskStack): Promise<void> {
  const first = await created(stack, { title: "first", prompt: "SLOW first" });
  const second = await created(stack, { title: "second", prompt: "after first", dependsOn: [first.taskId] });
  assert.ok(["blocked", "queued"].includes(second.state));
  const doomed = await created(stack, { title: "doomed", prompt: "FAIL doomed", maxAttempts: 1 });
  const orphan = await created(stack, {
    title: "orphan",
    prompt: "never runs",
    dependsOn: [doomed.taskId, first.taskId]
  });
  const done = await stack.waitTask(second.taskId, (task) => task.state === "succeeded", "succeeded");
  const firstDone = await stack.task(first.taskId);
  const [secondRun] = await stack.runs(done.taskId);
  assert.ok(
    Date.parse(secondRun.startedAt) >= Date.parse(firstDone.endedAt),
    "the dependent started after its dependency ended"
  );
  const failed = await stack.waitTask(orphan.taskId, (task) => task.state === "failed", "failed");
  assert.match(failed.stateReason, new RegExp(doomed.taskId));
  assert.deepEqual(await stack.runs(orphan.taskId), [], "a task whose dependency failed never runs");
  assert.equal(
    stack.model.requests.some((r) => r.lastUserText === "never runs"),
    false
  );
  const unknown = await stack.createTask({ title: "x", prompt: "x", dependsOn: ["task-nope"] });
  assert.equal(unknown.status, 400);
  assert.match(unknown.body.error.message, /dependsOn/);
}

/** A turn with no new event for stallTimeoutMs is interrupted and retried as stalled. */
async function stalledTurnIsRetried(stack: TaskStack): Promise<void> {
  // Spare attempts: on a loaded machine a healthy retry may also go quiet for a second.
  const task = await created(stack, {
    title: "stalls",
    prompt: "STALL once",
    stallTimeoutMs: 1000,
    maxAttempts: 4
  });
  const done = await stack.waitTask(
    task.taskId,
    (t2) => t2.state === "succeeded",
    "succeeded after the stall"
  );
  const runs = (await stack.runs(done.taskId)).sort((a, b) => a.attempt - b.attempt);
  assert.equal(runs.at(-1).state, "succeeded");
  assert.deepEqual(
    runs.slice(0, -1).map((r) => r.state),
    runs.slice(0, -1).map(() => "stalled")
  );
  assert.equal(done.attemptsSpent, runs.length - 1, "each stall spent an attempt");
  assert.match(runs[0].reason, /stallTimeoutMs 1000/);
  const first = stack.model.requests.find((r) => r.lastUserText === "STALL once");
  assert.notEqual(first?.closedAt, null, "the stalled stream was dropped by the interrupt");
}

// The first four scenarios use their own prompts and tasks, so they run at once on one stack;
// the last one lists succeeded tasks, so it runs after them.
test("dependsOn, notBefore, idempotency and a stalled turn", { concurrency: true }, async (t) => {
  const stack = await startTaskStack();
  answerByPrompt(stack);
  try {
    const dependsOnCase = t.test(
      "dependsOn: runs after its dependency succeeded; fails fast when one fails",
      () => dependentRunsAfterOrFailsFast(stack)
    );

    const notBeforeCase = t.test("notBefore: blocked until then, claimed after", async () => {
      const notBefore = new Date(Date.now() + 1500).toISOString();
      const later = await created(stack, { title: "later", prompt: "at its time", notBefore });
      assert.equal(later.state, "blocked");
      const done = await stack.waitTask(later.taskId, (task) => task.state === "succeeded", "succeeded");
      const [run] = await stack.runs(done.taskId);
      assert.ok(
        Date.parse(run.startedAt) >= Date.parse(notBefore),
        `started ${run.startedAt}, not before ${notBefore}`
      );
    });

    const idempotencyCase = t.test("the same Idempotency-Key returns the same task", async () => {
      const body = { title: "once", prompt: "only once" };
      const a = await stack.createTask(body, { "idempotency-key": "key-1" });
      const b = await stack.createTask(body, { "idempotency-key": "key-1" });
      const c = await stack.createTask(body, { "idempotency-key": "key-2" });
      assert.equal(a.status, 201);
      assert.equal(b.status, 200);
      assert.equal(b.body.data.created, false);
      assert.equal(b.body.data.task.taskId, a.body.data.task.taskId);
      assert.notEqual(c.body.data.task.taskId, a.body.data.task.taskId);
      await stack.waitTask(a.body.data.task.taskId, (task) => task.state === "succeeded", "succeeded");
      await stack.waitTask(c.body.data.task.taskId, (task) => task.state === "succeeded", "succeeded");
      assert.equal(
        stack.model.requests.filter((r) => r.lastUserText === "only once").length,
        2,
        "two tasks, two turns; the repeated key made none"
      );
    });

    const stalledCase = t.test(
      "a turn with no new event for stallTimeoutMs is interrupted and retried as stalled",
      () => stalledTurnIsRetried(stack)
    );

    await Promise.all([dependsOnCase, notBeforeCase, idempotencyCase, stalledCase]);

    await t.test("bad bodies are 400 naming the field; unknown ids 404", () => badBodiesAndUnknownIds(stack));
  } finally {
    await stack.stop();
  }
});

test("priority and the concurrency limit hold (BAA_MAX_CONCURRENT_TASKS); a full queue is 429", async () => {
  const stack = await startTaskStack({ maxConcurrentTasks: 2, maxQueuedTasks: 6 });
  answerByPrompt(stack);
  try {
    // Two hanging tasks fill both slots; what is queued behind them waits.
    const blockers = [
      await created(stack, { title: "b1", prompt: "HANG b1" }),
      await created(stack, { title: "b2", prompt: "HANG b2" })
    ];
    await stack.model.waitForRequest((r) => r.lastUserText === "HANG b1", 60_000);
    await stack.model.waitForRequest((r) => r.lastUserText === "HANG b2", 60_000);
    const low = await created(stack, { title: "low", prompt: "SLOW low", priority: 1 });
    const high = await created(stack, { title: "high", prompt: "SLOW high", priority: 9 });
    const mid = await created(stack, { title: "mid", prompt: "SLOW mid", priority: 5 });
    const mid2 = await created(stack, { title: "mid2", prompt: "SLOW mid2", priority: 5 });
    assert.equal((await stack.task(low.taskId)).state, "queued");
    // Running tasks do not count against BAA_MAX_QUEUED_TASKS: 4 wait now, 2 more fill the queue.
    await created(stack, { title: "w5", prompt: "SLOW w5", priority: -5 });
    await created(stack, { title: "w6", prompt: "SLOW w6", priority: -5 });
    const full = await stack.createTask({ title: "too many", prompt: "x" });
    assert.equal(full.status, 429);
    assert.equal(full.body.error.code, "queue_full");
    assert.ok(Number(full.headers.get("retry-after")) > 0);

    for (const blocker of blockers)
      assert.equal(
        (await postJson(`${stack.conductorBase}/v1/tasks/${blocker.taskId}/cancel`, {})).status,
        202
      );
    for (const task of [low, high, mid, mid2])
      await stack.waitTask(task.taskId, (t) => t.state === "succeeded", "succeeded");

    // Claimed by priority, then age: the claim times (the store's clock) say in which order.
    const claimedAt = async (taskId: string) => Date.parse((await stack.runs(taskId))[0].startedAt);
    const [tHigh, tMid, tMid2, tLow] = await Promise.all([
      claimedAt(high.taskId),
      claimedAt(mid.taskId),
      claimedAt(mid2.taskId),
      claimedAt(low.taskId)
    ]);
    assert.ok(tHigh <= tMid2 && tMid <= tMid2, "high and mid before mid2");
    assert.ok(tMid2 <= tLow, "mid2 (priority 5) before low (priority 1)");
    const firstTwo = stack.model.requests
      .filter((r) => r.lastUserText?.startsWith("SLOW"))
      .slice(0, 2)
      .map((r) => r.lastUserText);
    assert.deepEqual(
      firstTwo.sort(),
      ["SLOW high", "SLOW mid"],
      "the two freed slots went to the highest priorities"
    );

    // Never more than two runs at once, from the runs' own times.
    const all = (await getJson(`${stack.conductorBase}/v1/tasks?limit=100`)).body.data.tasks;
    const runs = (await Promise.all(all.map((task: any) => stack.runs(task.taskId)))).flat();
    const edges = runs.flatMap((r: any): [number, number][] => [
      [Date.parse(r.startedAt), 1],
      [Date.parse(r.endedAt ?? new Date().toISOString()), -1]
    ]);
    edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let now = 0;
    let peak = 0;
    for (const [, delta] of edges) {
      now += delta;
      peak = Math.max(peak, now);
    }
    assert.equal(peak, 2);
  } finally {
    await stack.stop();
  }
});

test("a usage-limit failure pauses claiming until the reset Codex names and spends no attempt", async () => {
  const stack = await startTaskStack();
  answerByPrompt(stack);
  try {
    const resetsAt = Date.now() + 3600_000;
    const limited = await created(stack, { title: "limited", prompt: "LIMIT me", maxAttempts: 1 });
    const deferred = await eventually(async () => {
      const runs = await stack.runs(limited.taskId);
      return runs.find((run) => run.state === "deferred") ?? null;
    }, "a deferred run");
    assert.match(deferred.reason, /usage limit/i);
    const task = await stack.task(limited.taskId);
    assert.equal(task.state, "queued");
    assert.equal(task.attemptsSpent, 0, "a usage limit spends no attempt");

    const state = (await getJson(`${stack.conductorBase}/v1/system/state`)).body.data;
    assert.ok(state.quota !== null, JSON.stringify(state));
    // Codex names the reset to the minute, in local time.
    assert.ok(
      Math.abs(Date.parse(state.quota.pausedUntil) - resetsAt) <= 61_000,
      `paused until ${state.quota.pausedUntil}`
    );
    assert.equal(state.claiming, false);

    // Nothing is claimed while the pause holds: a new task stays queued, the model hears nothing.
    const waiting = await created(stack, { title: "waits", prompt: "wait for the reset" });
    const seenBefore = stack.model.requests.length;
    await stack.conductor.taskEngine?.scheduler.claimNow();
    assert.equal((await stack.task(waiting.taskId)).state, "queued");
    assert.equal(stack.model.requests.length, seenBefore);

    // The reset comes (here: the pause is cleared): both run, the limited one succeeds on its single attempt.
    await stack.conductor.controlPlane?.system.setQuotaPause(null, null);
    await stack.waitTask(limited.taskId, (t) => t.state === "succeeded", "succeeded");
    await stack.waitTask(waiting.taskId, (t) => t.state === "succeeded", "succeeded");
    const runs = (await stack.runs(limited.taskId)).sort((a, b) => a.attempt - b.attempt);
    assert.deepEqual(
      runs.map((r) => r.state),
      ["deferred", "succeeded"]
    );
  } finally {
    await stack.stop();
  }
});
