// The live stream's loop on fake timers: it refreshes only while someone listens, one refresh
// at a time, and at once when poked.
import assert from "node:assert/strict";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { pino } from "pino";
import { StatusStream } from "../src/status-stream.js";
import type { StatusDocument } from "../src/status-collector.js";

function harness() {
  const timers = new ManualTimers();
  const pending: Array<(doc: StatusDocument) => void> = [];
  let collections = 0;
  const stream = new StatusStream({
    collect: () => {
      collections++;
      return new Promise<StatusDocument>((resolve) => pending.push(resolve));
    },
    refreshMs: 1_000,
    timers,
    logger: pino({ level: "silent" })
  });
  const finish = async (n: number) => {
    const resolve = pending.shift();
    assert.ok(resolve, "a collection is under way");
    resolve({ generatedAt: String(n) } as StatusDocument);
    await new Promise((r) => setImmediate(r));
  };
  return { timers, stream, finish, collections: () => collections, pending };
}

test("no listener, no refresh; the first listener gets a document at once, then one per period", async () => {
  const h = harness();
  h.stream.poke();
  assert.equal(h.collections(), 0, "nobody listens: poke does nothing");
  const seen: string[] = [];
  const unsubscribe = h.stream.subscribe((json) => seen.push(JSON.parse(json).generatedAt));
  assert.equal(h.collections(), 1);
  await h.finish(1);
  assert.deepEqual(seen, ["1"]);
  assert.deepEqual(h.timers.scheduled(), [1_000], "the next refresh waits for the period");
  h.timers.fire(1_000);
  assert.equal(h.collections(), 2);
  await h.finish(2);
  assert.deepEqual(seen, ["1", "2"]);

  // A second listener gets the latest document right away, without a new collection.
  const late: string[] = [];
  const unsubscribeLate = h.stream.subscribe((json) => late.push(JSON.parse(json).generatedAt));
  assert.deepEqual(late, ["2"]);
  assert.equal(h.collections(), 2);

  unsubscribe();
  unsubscribeLate();
  assert.deepEqual(h.timers.scheduled(), [], "the last listener gone: no timer left");
});

test("a slow collection is never doubled: a poke during it refreshes once right after", async () => {
  const h = harness();
  h.stream.subscribe(() => {});
  assert.equal(h.collections(), 1);
  h.stream.poke();
  h.stream.poke();
  assert.equal(h.collections(), 1, "still one under way");
  await h.finish(1);
  assert.equal(h.collections(), 2, "one refresh for the pokes");
  assert.deepEqual(h.timers.scheduled(), []);
  await h.finish(2);
  assert.deepEqual(h.timers.scheduled(), [1_000]);
  h.stream.close();
  assert.deepEqual(h.timers.scheduled(), []);
});
