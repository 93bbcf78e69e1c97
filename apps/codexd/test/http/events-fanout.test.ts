import assert from "node:assert/strict";
import test from "node:test";
import type { CodexdEvent, EventListener } from "@baa/event-log";
import { EventFanout, filterKey, type FanoutMember } from "../../src/http/events-fanout.js";

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
      const event: CodexdEvent = { seq, type, at: new Date(0).toISOString(), sessionId, threadId: null, turnId: null, data: null };
      const json = JSON.stringify(event);
      for (const listener of listeners) listener(event, json, { view: event, bytes: json.length });
    }
  };
}

function member() {
  const frames: Buffer[] = [];
  const failures: unknown[] = [];
  const m: FanoutMember = { live: (_event, frame) => void frames.push(frame), failed: (error) => void failures.push(error) };
  return { m, frames, failures, seqs: () => frames.map((frame) => (JSON.parse(frame.toString()) as CodexdEvent).seq) };
}

test("every stream shares one subscription; each event's frame is made once for all of them", () => {
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
  assert.deepEqual(a.seqs(), [1]);
  assert.deepEqual(c.seqs(), [2]);
  assert.equal(a.frames[0], b.frames[0], "the very same bytes go to every stream");
  leaveA();
  leaveA();
  leaveB();
  assert.equal(fanout.filterCount, 1);
  assert.equal(log.listeners.size, 1);
  leaveC();
  assert.equal(log.listeners.size, 0, "the log is left with the last stream");
  assert.equal(fanout.size, 0);
});

test("a stream that throws is told so and the others still get the event", () => {
  const log = fakeLog();
  const fanout = new EventFanout(log);
  const failures: unknown[] = [];
  fanout.join({}, { live: () => { throw new Error("boom"); }, failed: (error) => void failures.push(error) });
  const ok = member();
  fanout.join({}, ok.m);
  log.record("s1");
  assert.equal(failures.length, 1);
  assert.deepEqual(ok.seqs(), [1]);
});

test("filters that keep the same events share a key", () => {
  assert.equal(filterKey({ type: "x", sessionId: "s" }), filterKey({ sessionId: "s", type: "x" }));
  assert.notEqual(filterKey({ sessionId: "s" }), filterKey({ turnId: "s" }));
});
