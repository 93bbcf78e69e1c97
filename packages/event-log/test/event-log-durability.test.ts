import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import test from "node:test";
import { StateWriteError, WriteHealth } from "@baa/state-files";
import { FaultInjectingFs } from "@baa/state-files/testing";
// Through the workspace path until event-log lists @baa/clock (then "@baa/clock/testing").
import { ManualTimers } from "@baa/clock/testing";
import { makeTempDir } from "@baa/test-support";
import { EventLog, type EventLogOptions } from "../src/index.js";

function setup(extra: Partial<EventLogOptions> = {}) {
  const ws = makeTempDir("event-log-test-");
  const timers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00Z") });
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: object, message: string) =>
    lines.push({ level, fields: fields as Record<string, unknown>, message });
  const health = new WriteHealth({
    logger: { error: at("error"), warn: at("warn"), info: at("info") },
    now: () => timers.now()
  });
  const fs = new FaultInjectingFs();
  const log = new EventLog({
    logPath: ws.path("logs", "events.jsonl"),
    recentPath: ws.path("state", "recent-events.json"),
    limit: 50,
    now: () => timers.wallNow(),
    health,
    fs,
    timers,
    retry: { baseMs: 100, maxMs: 1000 },
    ...extra
  });
  const logged = () =>
    readFileSync(ws.path("logs", "events.jsonl"), "utf8")
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { seq: number; data: unknown });
  return { ws, timers, health, fs, log, lines, logged };
}

test("ENOSPC on the log: events go on (ring, subscribers), wait in order, and are written when space returns", async () => {
  const { ws, timers, health, fs, log, lines, logged } = setup();
  try {
    log.record({ type: "a" });
    fs.failWrites("ENOSPC");
    const seen: number[] = [];
    log.subscribe((event) => seen.push(event.seq));
    assert.equal(log.record({ type: "b" }).seq, 2);
    assert.equal(log.record({ type: "c" }).seq, 3);
    assert.deepEqual(seen, [2, 3], "subscribers still get every event");
    assert.deepEqual(
      log.recent().map((e) => e.seq),
      [1, 2, 3]
    );
    assert.deepEqual(log.unwritten, { waiting: 2, lost: 0 });
    assert.equal(health.report().status, "degraded");
    assert.equal(health.report().failing[0]?.file, ws.path("logs", "events.jsonl"));
    const failure = lines.find((l) => l.message === "state write failed");
    assert.equal((failure?.fields.err as NodeJS.ErrnoException | undefined)?.code, "ENOSPC");
    assert.throws(
      () => log.recordDurably({ type: "d" }),
      (e: unknown) => e instanceof StateWriteError && /ENOSPC/.test(e.message)
    );
    assert.deepEqual(
      logged().map((e) => e.seq),
      [1]
    );
    // Retries follow the backoff on the injected timers; still full: nothing written.
    assert.equal(timers.pending()[0], 100, "first retry after 100 ms");
    timers.fireNext();
    assert.equal(timers.pending()[0], 200, "then 200 ms");
    fs.heal();
    timers.fireNext();
    assert.deepEqual(
      logged().map((e) => e.seq),
      [1, 2, 3, 4],
      "written in order once space returns"
    );
    assert.equal(health.report().status, "ok");
    assert.deepEqual(log.unwritten, { waiting: 0, lost: 0 });
    log.recordDurably({ type: "e" });
    assert.equal(logged().at(-1)?.seq, 5);
    await log.close();
  } finally {
    ws.remove();
  }
});

test("unwritten events beyond their budget are dropped oldest first, counted and logged", async () => {
  const { ws, timers, fs, log, lines, logged } = setup({ maxFileBytes: 2000, maxTotalBytes: 100_000 });
  try {
    fs.failWrites("ENOSPC");
    for (let i = 0; i < 40; i += 1) log.record({ type: "t", data: { pad: "x".repeat(100) } });
    assert.ok(log.unwritten.lost > 0);
    assert.ok(lines.some((l) => l.level === "error" && /dropping events/.test(l.message)));
    fs.heal();
    timers.fireNext();
    const seqs = logged().map((e) => e.seq);
    assert.equal(seqs.at(-1), 40, "the newest events are the ones kept");
    assert.equal(seqs.length, 40 - log.unwritten.lost);
    assert.ok(lines.some((l) => /resumed after dropping/.test(l.message)));
    await log.close();
  } finally {
    ws.remove();
  }
});

test("the ring and recent-events.json are bounded by bytes; large strings are cut there, whole in the log", async () => {
  const { ws, log } = setup({ maxBytes: 64 * 1024, maxTextBytes: 1024, limit: 1000 });
  try {
    const reply = "r".repeat(2 * 1024 * 1024);
    for (let i = 0; i < 6; i += 1)
      log.record({
        type: "app-server.item.completed",
        sessionId: "s",
        data: { item: { type: "agentMessage", text: reply } }
      });
    for (let i = 0; i < 300; i += 1) log.record({ type: "small", data: { i, pad: "p".repeat(300) } });
    assert.ok(log.recentBytes <= 64 * 1024, `ring holds ${log.recentBytes} bytes`);
    const whole = (await log.query({ after: 0, limit: 1 })).events[0] as { data: { item: { text: string } } };
    assert.equal(whole.data.item.text.length, reply.length, "the log keeps the whole reply");
    log.flushRecent();
    await log.recentSettled();
    const size = statSync(ws.path("state", "recent-events.json")).size;
    assert.ok(size <= 64 * 1024 + 128, `recent-events.json is ${size} bytes`);
    await log.close();
  } finally {
    ws.remove();
  }
});

test("a cut view names the seq that holds it whole", async () => {
  const { ws, log } = setup({ maxTextBytes: 256 });
  try {
    const event = log.record({
      type: "app-server.item.completed",
      data: { item: { text: "q".repeat(10_000) } }
    });
    const view = log.recent().at(-1) as { cut?: boolean; data: { item: { text: string } } };
    assert.equal(view.cut, true);
    assert.match(view.data.item.text, new RegExp(`whole in event seq ${event.seq} of the event log`));
    await log.close();
  } finally {
    ws.remove();
  }
});

test("streamed deltas do not schedule a rewrite of recent-events.json", async () => {
  const { ws, timers, log } = setup();
  try {
    log.record({ type: "app-server.item.agentMessage.delta", data: { delta: "a" } });
    log.record({ type: "app-server.item.commandExecution.outputDelta", data: { delta: "b" } });
    assert.deepEqual(timers.pending(), [], "no write scheduled for deltas");
    log.record({ type: "app-server.item.completed" });
    assert.deepEqual(timers.pending(), [2000], "the next other event schedules one (coalesced) write");
    await log.close();
  } finally {
    ws.remove();
  }
});
