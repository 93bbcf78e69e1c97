// Must-show: /metrics of codexd and the conductor parses as Prometheus text and its counters
// move after a turn (the real codex binary against the mock model) and after a task (the
// conductor's scheduler, same real stack).
import assert from "node:assert/strict";
import test from "node:test";
import { nextEvent } from "../../packages/event-log/dist/index.js";
import { openEventSocket } from "../support/event-socket.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { parsePrometheusText, sampleValue, type Sample } from "../support/prometheus-text.js";
import { startTaskStack, type TaskStack } from "../support/task-stack.js";

async function scrape(base: string): Promise<Sample[]> {
  const response = await fetch(`${base}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(await response.text());
}

/** How much a sample grew between two scrapes. */
function moved(after: Sample[], before: Sample[], name: string, labels: Record<string, string> = {}): number {
  return sampleValue(after, name, labels) - sampleValue(before, name, labels);
}

/** codexd's metrics after one completed turn with an event stream open. */
function assertCodexdCountedTheTurn(codexdAfterTurn: Sample[], codexdBefore: Sample[]): void {
  assert.equal(
    moved(codexdAfterTurn, codexdBefore, "codexd_turns_total", { outcome: "completed" }),
    1,
    "one completed turn"
  );
  assert.equal(
    moved(codexdAfterTurn, codexdBefore, "codexd_turn_duration_seconds_count", { outcome: "completed" }),
    1,
    "its duration observed"
  );
  assert.ok(sampleValue(codexdAfterTurn, "codexd_turn_duration_seconds_sum", { outcome: "completed" }) > 0);
  assert.ok(
    moved(codexdAfterTurn, codexdBefore, "codexd_tokens_total", { kind: "input" }) > 0,
    "input tokens counted"
  );
  assert.ok(
    moved(codexdAfterTurn, codexdBefore, "codexd_tokens_total", { kind: "output" }) > 0,
    "output tokens counted"
  );
  assert.ok(
    moved(codexdAfterTurn, codexdBefore, "codexd_events_total", { category: "app-server" }) > 0,
    "events written counted"
  );
  assert.ok(
    sampleValue(codexdAfterTurn, "codexd_event_log_last_seq") >
      sampleValue(codexdBefore, "codexd_event_log_last_seq")
  );
  assert.ok(sampleValue(codexdAfterTurn, "codexd_sessions", { status: "active" }) >= 1);
  assert.ok(
    sampleValue(codexdAfterTurn, "codexd_event_stream_subscribers") >= 1,
    "the open stream is a subscriber"
  );
  assert.equal(sampleValue(codexdAfterTurn, "codexd_child_up"), 1);
  assert.equal(sampleValue(codexdAfterTurn, "codexd_child_restarts"), 0);
  if (process.platform === "linux")
    assert.ok(
      sampleValue(codexdAfterTurn, "codexd_child_resident_memory_bytes") > 1024 * 1024,
      "child RSS read from /proc"
    );
}

/** A turn, through the conductor's proxy, with a live codexd event stream open meanwhile. */
async function phaseTurn(
  stack: TaskStack,
  codexdBefore: Sample[],
  conductorBefore: Sample[]
): Promise<Sample[]> {
  const stream = await openEventSocket(`${stack.codexdBase.replace(/^http/, "ws")}/v1/codexd/events`);
  const session = (await postJson(`${stack.conductorBase}/v1/codex/sessions`, { purpose: "metrics" })).body
    .data.session;
  const completed = nextEvent(
    stack.codexd.events,
    (e) => e.type === "app-server.turn.completed" && e.sessionId === session.sessionId
  );
  const turn = await postJson(`${stack.conductorBase}/v1/codex/turn`, {
    sessionId: session.sessionId,
    input: "count me"
  });
  assert.equal(turn.status, 202, turn.text);
  await completed;
  const codexdAfterTurn = await scrape(stack.codexdBase);
  assertCodexdCountedTheTurn(codexdAfterTurn, codexdBefore);
  // codexd counted the turn request by its route; the conductor by its proxy's pattern.
  assert.equal(
    moved(codexdAfterTurn, codexdBefore, "codexd_http_requests_total", {
      route: "/v1/codexd/turn",
      status: "202"
    }),
    1
  );
  const conductorAfterTurn = await scrape(stack.conductorBase);
  assert.equal(
    moved(conductorAfterTurn, conductorBefore, "conductor_http_requests_total", {
      route: "/v1/codex/*",
      method: "POST",
      status: "202"
    }),
    1
  );
  stream.close();
  await stream.closed;
  await eventually(
    async () =>
      sampleValue(await scrape(stack.codexdBase), "codexd_event_stream_subscribers") === 0 ? true : null,
    "the stream's end counted"
  );
  return codexdAfterTurn;
}

/** The conductor's metrics after one task claimed, run and succeeded, on the leader. */
function assertConductorCountedTheTask(conductorAfter: Sample[], conductorBefore: Sample[]): void {
  assert.equal(
    moved(conductorAfter, conductorBefore, "conductor_tasks", { state: "succeeded" }),
    1,
    "tasks by state read from the store"
  );
  assert.equal(sampleValue(conductorAfter, "conductor_tasks", { state: "queued" }), 0);
  assert.equal(moved(conductorAfter, conductorBefore, "conductor_tasks_claimed_total"), 1);
  assert.ok(
    moved(conductorAfter, conductorBefore, "conductor_claim_duration_seconds_count") >= 1,
    "claim latency observed"
  );
  assert.equal(
    moved(conductorAfter, conductorBefore, "conductor_task_queue_wait_seconds_count"),
    1,
    "the first run's wait observed"
  );
  assert.equal(moved(conductorAfter, conductorBefore, "conductor_runs_total", { state: "succeeded" }), 1);
  assert.equal(
    moved(conductorAfter, conductorBefore, "conductor_run_duration_seconds_count", { state: "succeeded" }),
    1
  );
  assert.ok(
    moved(conductorAfter, conductorBefore, "conductor_events_total", { category: "run" }) >= 2,
    "run.started and run.ended counted"
  );
  assert.equal(
    moved(conductorAfter, conductorBefore, "conductor_http_requests_total", {
      route: "/v1/tasks",
      method: "POST",
      status: "201"
    }),
    1
  );
  assert.equal(sampleValue(conductorAfter, "conductor_leader"), 1);
  assert.ok(sampleValue(conductorAfter, "conductor_lease_term") >= 1);
  assert.ok(sampleValue(conductorAfter, "conductor_leadership_changes_total", { role: "leader" }) >= 1);
  assert.equal(sampleValue(conductorAfter, "conductor_system_mode", { mode: "running" }), 1);
  assert.equal(sampleValue(conductorAfter, "conductor_store_up"), 1);
}

/** A task, claimed by the scheduler and run through the same codexd. */
async function phaseTask(stack: TaskStack, conductorBefore: Sample[]): Promise<void> {
  const created = await stack.createTask({
    title: "metrics task",
    prompt: "metrics task",
    cwd: stack.dir.path("repo")
  });
  assert.equal(created.status, 201, created.text);
  const taskId = created.body.data.task.taskId;
  const events = await stack.taskEvents(taskId, 0);
  await events.waitFor((e) => e.type === "run.ended", "run.ended", 30_000);
  const conductorMid = await scrape(stack.conductorBase);
  assert.equal(
    sampleValue(conductorMid, "conductor_event_stream_subscribers", { stream: "task" }),
    1,
    "the open task stream is a subscriber"
  );
  events.close();
  await events.closed;
  await stack.waitTask(taskId, (t) => t.state === "succeeded", "succeeded");
  const conductorAfter = await scrape(stack.conductorBase);
  assertConductorCountedTheTask(conductorAfter, conductorBefore);
  await eventually(
    async () =>
      sampleValue(await scrape(stack.conductorBase), "conductor_event_stream_subscribers", {
        stream: "task"
      }) === 0
        ? true
        : null,
    "the task stream's end counted"
  );
}

test("/metrics of codexd and the conductor: counters move after a turn and after a task", async () => {
  const stack = await startTaskStack();
  try {
    const codexdBefore = await scrape(stack.codexdBase);
    const conductorBefore = await scrape(stack.conductorBase);

    const codexdAfterTurn = await phaseTurn(stack, codexdBefore, conductorBefore);

    await phaseTask(stack, conductorBefore);

    // The worker turn of the task went through codexd too.
    const codexdAfter = await scrape(stack.codexdBase);
    assert.equal(
      moved(codexdAfter, codexdAfterTurn, "codexd_turns_total", { outcome: "completed" }),
      1,
      "the task's turn counted by codexd"
    );
    const read = await getJson(`${stack.conductorBase}/openapi.json`);
    assert.equal(read.body.openapi, "3.0.3", "the document is served by the running conductor as well");
  } finally {
    await stack.stop();
  }
});
