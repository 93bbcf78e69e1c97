import assert from "node:assert/strict";
import test from "node:test";
import type { RecentEvent } from "@baa/event-log";
import { SessionEventCache } from "../../src/sessions/session-event-cache.js";

const view = (seq: number, sessionId: string, pad = 0): RecentEvent => ({
  seq,
  type: "t",
  at: "2030-01-01T00:00:00.000Z",
  sessionId,
  threadId: null,
  turnId: null,
  data: { pad: "x".repeat(pad) }
});
const size = (v: RecentEvent) => Buffer.byteLength(JSON.stringify(v));

test("per-session bytes: the oldest events of a session go first", () => {
  const cache = new SessionEventCache({
    perSession: 100,
    sessions: 10,
    perSessionBytes: 5000,
    maxBytes: 1_000_000
  });
  for (let seq = 1; seq <= 20; seq += 1) cache.add(view(seq, "a", 900), size(view(seq, "a", 900)));
  const kept = cache.get("a")!;
  assert.ok(kept.length < 20);
  assert.equal(kept.at(-1)?.seq, 20);
  assert.ok(kept.reduce((sum, v) => sum + size(v), 0) <= 5000);
});

test("total bytes: the least recently active sessions go first", () => {
  const cache = new SessionEventCache({
    perSession: 100,
    sessions: 100,
    perSessionBytes: 100_000,
    maxBytes: 10_000
  });
  for (const id of ["a", "b", "c", "d"])
    for (let seq = 1; seq <= 3; seq += 1) cache.add(view(seq, id, 1000), size(view(seq, id, 1000)));
  cache.add(view(9, "a", 1000), size(view(9, "a", 1000)));
  assert.ok(cache.bytes <= 10_000);
  assert.equal(cache.get("b"), undefined, "b was the least recently active");
  assert.ok(cache.get("a") !== undefined && cache.get("d") !== undefined);
});

test("a single oversized event is still kept (the newest is never dropped)", () => {
  const cache = new SessionEventCache({ perSession: 100, sessions: 10, perSessionBytes: 100, maxBytes: 100 });
  cache.add(view(1, "a", 500), size(view(1, "a", 500)));
  assert.equal(cache.get("a")?.length, 1);
});
