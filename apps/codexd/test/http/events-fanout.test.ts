import assert from "node:assert/strict";
import test from "node:test";
import type { CodexdEvent, EventListener } from "@baa/event-log";
import { setImmediate as tick } from "node:timers/promises";
import { EventFanout, filterKey, type FanoutMember } from "../../src/http/events-fanout.js";
import { textFrame, type FrameBatch } from "../../src/http/ws-frames.js";

function fakeLog() {
  const listeners = new Set<EventListener>();
  let seq = 0;
  return {
    listeners,
    subscribe(listener: EventListener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    record(sessionId: string, type = "app-server.item.completed") {
      seq += 1;
      const event: CodexdEvent = {
        seq,
        type,
        at: new Date(0).toISOString(),
        sessionId,
        threadId: null,
        turnId: null,
        data: null
      };
      const json = JSON.stringify(event);
      for (const listener of listeners) listener(event, json, { view: event, bytes: json.length });
    }
  };
}

function member() {
  const batches: FrameBatch[] = [];
  const failures: unknown[] = [];
  const m: FanoutMember = {
    deliver: (batch) => void batches.push(batch),
    failed: (error) => void failures.push(error)
  };
  const payloads = () =>
    batches.flatMap((b) => b.frames.map((f) => f.frame.subarray(f.headerBytes).toString()));
  return {
    m,
    batches,
    failures,
    seqs: () => payloads().map((text) => (JSON.parse(text) as CodexdEvent).seq)
  };
}

test("every stream shares one subscription; each event's frame is made once for all of them", async () => {
  const log = fakeLog();
  const fanout = new EventFanout(log);
  const a = member();
  const b = member();
  const c = member();
  const leaveA = fanout.join({ sessionId: "s1" }, a.m);
  const leaveB = fanout.join({ sessionId: "s1" }, b.m);
  const leaveC = fanout.join({ sessionId: "s2" }, c.m);
  assert.equal(log.listeners.size, 1);
  assert.equal(fanout.filterCount, 2);
  log.record("s1");
  log.record("s2");
  log.record("s1");
  assert.deepEqual(a.seqs(), [], "handed out once the step ends");
  await tick();
  assert.deepEqual(a.seqs(), [1, 3]);
  assert.deepEqual(c.seqs(), [2]);
  assert.equal(a.batches.length, 1, "one batch for the step");
  assert.equal(a.batches[0], b.batches[0], "the very same frames go to every stream");
  assert.equal(a.batches[0]!.whole, b.batches[0]!.whole);
  leaveA();
  leaveA();
  leaveB();
  assert.equal(fanout.filterCount, 1);
  assert.equal(log.listeners.size, 1);
  leaveC();
  assert.equal(log.listeners.size, 0, "the log is left with the last stream");
  assert.equal(fanout.size, 0);
});

test("a stream that throws is told so and the others still get the event", async () => {
  const log = fakeLog();
  const fanout = new EventFanout(log);
  const failures: unknown[] = [];
  fanout.join(
    {},
    {
      deliver: () => {
        throw new Error("boom");
      },
      failed: (error) => void failures.push(error)
    }
  );
  const ok = member();
  fanout.join({}, ok.m);
  log.record("s1");
  await tick();
  assert.equal(failures.length, 1);
  assert.deepEqual(ok.seqs(), [1]);
});

test("a frame is a final text frame with the right length, for each length encoding", () => {
  for (const size of [0, 125, 126, 65535, 65536, 70000]) {
    const json = JSON.stringify({ seq: 1, pad: "x".repeat(Math.max(0, size - 18)) }).slice(
      0,
      Math.max(size, 2)
    );
    const { frame, headerBytes } = textFrame(1, json);
    assert.equal(frame[0], 0x81);
    const length =
      frame[1] === 126 ? frame.readUInt16BE(2) : frame[1] === 127 ? frame.readUInt32BE(6) : frame[1];
    assert.equal(length, Buffer.byteLength(json));
    assert.equal(frame.subarray(headerBytes).toString(), json);
  }
});

test("filters that keep the same events share a key", () => {
  assert.equal(filterKey({ type: "x", sessionId: "s" }), filterKey({ sessionId: "s", type: "x" }));
  assert.notEqual(filterKey({ sessionId: "s" }), filterKey({ turnId: "s" }));
});
