import assert from "node:assert/strict";
import test from "node:test";
import type { CodexdEvent } from "@baa/event-log";
import { CodexdMetrics, type CodexdMetricsSource } from "../../src/metrics/codexd-metrics.js";

// CodexdMetrics over a hand-fed event source: what each event moves, read back from the registry.

function harness() {
  const listeners = new Set<(event: CodexdEvent) => void>();
  let seq = 0;
  const child = { status: "running", pid: null as number | null, restarts: 2 };
  const source: CodexdMetricsSource = {
    events: {
      subscribe: (listener) => {
        const wrapped = (event: CodexdEvent) =>
          listener(event, JSON.stringify(event), { view: event as never, bytes: 0 });
        listeners.add(wrapped);
        return () => listeners.delete(wrapped);
      },
      get lastSeq() {
        return seq;
      }
    },
    listSessions: () => [{ status: "active" }, { status: "active" }, { status: "closed" }],
    pendingApprovals: () => 1,
    health: () => ({ child, unwrittenEvents: { waiting: 3, lost: 1 } })
  };
  const metrics = new CodexdMetrics(source);
  const emit = (type: string, atMs: number, fields: Partial<CodexdEvent> = {}) => {
    seq += 1;
    const event = {
      seq,
      type,
      at: new Date(atMs).toISOString(),
      sessionId: "s",
      threadId: "t",
      turnId: null,
      data: null,
      ...fields
    } as CodexdEvent;
    for (const listener of listeners) listener(event);
  };
  const value = async (name: string, labels: Record<string, string> = {}) => {
    const metric = (await metrics.registry.getMetricsAsJSON()).find((each) => each.name === name);
    assert.ok(metric, `${name} registered`);
    return (
      metric.values as { labels: Record<string, string | number>; value: number; metricName?: string }[]
    )
      .filter(
        (v) =>
          (v.metricName ?? name) === name &&
          Object.entries(labels).every(([key, wanted]) => String(v.labels[key]) === wanted)
      )
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { metrics, emit, value, child, listeners };
}

test("a turn's end is counted by outcome and timed from its first sighting", async () => {
  const { emit, value, metrics } = harness();
  emit("app-server.turn.started", 1_000, { turnId: "turn-1" });
  emit("turn.accepted", 1_500, { turnId: "turn-1" });
  emit("app-server.turn.completed", 4_000, {
    turnId: "turn-1",
    data: { turn: { id: "turn-1", status: "completed" } }
  });
  emit("turn.accepted", 10_000, { turnId: "turn-2" });
  emit("app-server.turn.completed", 10_250, {
    turnId: "turn-2",
    data: { turn: { id: "turn-2", status: "failed" } }
  });
  assert.equal(await value("codexd_turns_total", { outcome: "completed" }), 1);
  assert.equal(await value("codexd_turns_total", { outcome: "failed" }), 1);
  const text = await metrics.registry.metrics();
  assert.match(
    text,
    /codexd_turn_duration_seconds_sum\{outcome="completed"\} 3\n/,
    "3 s from turn/started, not from the later accept"
  );
  assert.match(text, /codexd_turn_duration_seconds_sum\{outcome="failed"\} 0\.25\n/);
});

test("codexd's own interruption of a running turn is counted once, a later completion of it is not timed", async () => {
  const { emit, value } = harness();
  emit("turn.accepted", 0, { turnId: "turn-1" });
  emit("turn.interrupted", 2_000, { turnId: "turn-1", data: { reason: "child exited" } });
  emit("turn.interrupted", 2_100, { turnId: "turn-1", data: { reason: "again" } });
  emit("turn.interrupted", 2_200, { turnId: "turn-unknown" });
  assert.equal(await value("codexd_turns_total", { outcome: "interrupted" }), 1);
  assert.equal(
    await value("codexd_turn_duration_seconds", { outcome: "interrupted" }),
    0,
    "no sample under the bare name"
  );
});

test("token usage adds each update's `last` part by kind; events are counted by category", async () => {
  const { emit, value } = harness();
  const usage = (input: number, output: number) => ({
    tokenUsage: {
      last: {
        inputTokens: input,
        cachedInputTokens: 0,
        outputTokens: output,
        reasoningOutputTokens: 2,
        totalTokens: input + output
      },
      total: {}
    }
  });
  emit("app-server.thread.tokenUsage.updated", 0, { data: usage(100, 10) });
  emit("app-server.thread.tokenUsage.updated", 0, { data: usage(50, 5) });
  emit("app-server.thread.tokenUsage.updated", 0, { data: { tokenUsage: null } });
  emit("child.started", 0);
  emit("something.new", 0);
  assert.equal(await value("codexd_tokens_total", { kind: "input" }), 150);
  assert.equal(await value("codexd_tokens_total", { kind: "output" }), 15);
  assert.equal(await value("codexd_tokens_total", { kind: "reasoning_output" }), 4);
  assert.equal(await value("codexd_events_total", { category: "app-server" }), 3);
  assert.equal(await value("codexd_events_total", { category: "child" }), 1);
  assert.equal(
    await value("codexd_events_total", { category: "other" }),
    1,
    "an unknown type never grows the label set"
  );
});

test("gauges are read from the source at each scrape; streams report open, close and cut-off", async () => {
  const { value, metrics, child, listeners } = harness();
  assert.equal(await value("codexd_sessions", { status: "active" }), 2);
  assert.equal(await value("codexd_sessions", { status: "failed" }), 0);
  assert.equal(await value("codexd_child_restarts"), 2);
  assert.equal(await value("codexd_child_up"), 1);
  assert.equal(await value("codexd_events_unwritten", { state: "waiting" }), 3);
  assert.equal(await value("codexd_approvals_pending"), 1);
  child.status = "crashed";
  assert.equal(await value("codexd_child_up"), 0);
  if (process.platform === "linux") {
    child.pid = process.pid;
    assert.ok(
      (await value("codexd_child_resident_memory_bytes", { pid: String(process.pid) })) > 1024 * 1024,
      "RSS of a live pid read from /proc"
    );
    child.pid = 2 ** 22 + 12345;
    assert.doesNotMatch(
      await metrics.registry.metrics(),
      /^codexd_child_resident_memory_bytes/m,
      "a gone pid leaves the gauge empty"
    );
  }
  metrics.streams.opened();
  metrics.streams.opened();
  metrics.streams.cutOff("slow_consumer");
  metrics.streams.closed();
  assert.equal(await value("codexd_event_stream_subscribers"), 1);
  assert.equal(await value("codexd_event_stream_cutoffs_total", { reason: "slow_consumer" }), 1);
  metrics.close();
  assert.equal(listeners.size, 0, "close() unsubscribes from the event log");
});

test("two instances in one process keep their own registries", async () => {
  const a = harness();
  const b = harness();
  a.emit("child.started", 0);
  assert.equal(await a.value("codexd_events_total", { category: "child" }), 1);
  assert.equal(await b.value("codexd_events_total", { category: "child" }), 0);
});
