import assert from "node:assert/strict";
import {
  appendFileSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs";
import test from "node:test";
import { makeTempDir, type TempDir } from "@baa/test-support";
import { EventLog, type EventLogOptions } from "../src/index.js";
import { testHealth } from "./support/test-health.js";

function openLog(ws: TempDir, extra: Partial<EventLogOptions> = {}) {
  return new EventLog({
    logPath: ws.path("logs", "events.jsonl"),
    recentPath: ws.path("state", "recent-events.json"),
    limit: 5,
    now: () => Date.parse("2030-01-01T00:00:00Z"),
    health: testHealth(),
    ...extra
  });
}

const segmentNames = (ws: TempDir) =>
  readdirSync(ws.path("logs"))
    .filter((name) => /^events\.\d{12}\.jsonl$/.test(name))
    .sort();

const seqsOf = (text: string) =>
  text.split("\n").flatMap((line) => {
    try {
      return [(JSON.parse(line) as { seq: number }).seq];
    } catch {
      return [];
    }
  });

const rotateByHand = (ws: TempDir) => {
  const first = seqsOf(readFileSync(ws.path("logs", "events.jsonl"), "utf8"))[0] as number;
  renameSync(
    ws.path("logs", "events.jsonl"),
    ws.path("logs", `events.${String(first).padStart(12, "0")}.jsonl`)
  );
};

test("seq continues after a clean restart and the ring stays bounded", async () => {
  const ws = makeTempDir("event-log-test-");
  try {
    const log = openLog(ws);
    for (let i = 0; i < 8; i += 1) log.record({ type: "t" });
    assert.equal(log.recent().length, 5);
    await log.close();
    const again = openLog(ws);
    assert.equal(again.lastSeq, 8);
    assert.deepEqual(
      again.recent().map((e) => e.seq),
      [4, 5, 6, 7, 8]
    );
    assert.equal(again.record({ type: "t" }).seq, 9);
    await again.close();
  } finally {
    ws.remove();
  }
});

test("after a kill -9 with a torn last line, seq continues from the last whole line", async () => {
  const ws = makeTempDir("event-log-test-");
  try {
    const log = openLog(ws);
    for (let i = 0; i < 3; i += 1) log.record({ type: "t" });
    // no close(): recent-events.json may never have been written, as after kill -9
    rmSync(ws.path("state"), { recursive: true, force: true });
    appendFileSync(ws.path("logs", "events.jsonl"), '{"seq":4,"type":"t","at":"2030-');
    const again = openLog(ws);
    assert.equal(again.lastSeq, 3);
    assert.equal(again.record({ type: "after" }).seq, 4);
    await again.close();
    assert.deepEqual(seqsOf(readFileSync(ws.path("logs", "events.jsonl"), "utf8")), [1, 2, 3, 4]);
  } finally {
    ws.remove();
  }
});

test("just after a rotation seq is recovered from the newest segment", async () => {
  const ws = makeTempDir("event-log-test-");
  try {
    const log = openLog(ws, { maxFileBytes: 400, maxTotalBytes: 100_000 });
    for (let i = 0; i < 20; i += 1) log.record({ type: "t", data: "x".repeat(50) });
    await log.close();
    // a crash between the rename and the next append leaves no active file
    rotateByHand(ws);
    rmSync(ws.path("state"), { recursive: true, force: true });
    const again = openLog(ws, { maxFileBytes: 400, maxTotalBytes: 100_000 });
    assert.equal(again.lastSeq, 20);
    assert.equal(again.record({ type: "t" }).seq, 21);
    await again.close();

    // the same when the fresh active file holds only a torn line
    rotateByHand(ws);
    writeFileSync(ws.path("logs", "events.jsonl"), '{"seq":22,"ty');
    rmSync(ws.path("state"), { recursive: true, force: true });
    const third = openLog(ws, { maxFileBytes: 400, maxTotalBytes: 100_000 });
    assert.equal(third.lastSeq, 21);
    third.close();
  } finally {
    ws.remove();
  }
});

test("the active file rotates into segments named by first seq and the total is capped", async () => {
  const ws = makeTempDir("event-log-test-");
  try {
    const options = { maxFileBytes: 1000, maxTotalBytes: 5000 };
    const log = openLog(ws, options);
    for (let i = 0; i < 100; i += 1) {
      log.record({ type: "app-server.turn.completed", data: "y".repeat(100) });
      const total = readdirSync(ws.path("logs")).reduce(
        (sum, name) => sum + statSync(ws.path("logs", name)).size,
        0
      );
      assert.ok(total <= options.maxTotalBytes, `total ${total} after event ${i + 1}`);
    }
    const names = segmentNames(ws);
    assert.ok(names.length >= 2, `segments: ${names.join(",")}`);
    for (const name of names) {
      const seqs = seqsOf(readFileSync(ws.path("logs", name), "utf8"));
      assert.equal(Number(name.slice("events.".length, -".jsonl".length)), seqs[0], name);
    }
    // the oldest segments were deleted; the active file keeps its name and the newest event
    assert.ok(Number(names[0]?.slice(7, 19)) > 1);
    const active = seqsOf(readFileSync(ws.path("logs", "events.jsonl"), "utf8"));
    assert.equal(active.at(-1), 100);

    const page = await log.query({ limit: 1000 });
    const seqs = page.events.map((e) => e.seq);
    assert.equal(seqs.at(-1), 100);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => (seqs[0] as number) + i)
    );
    await log.close();

    const reopened = openLog(ws, options);
    assert.equal(reopened.record({ type: "t" }).seq, 101);
    reopened.close();
  } finally {
    ws.remove();
  }
});

test("limits must leave room for one file", () => {
  const ws = makeTempDir("event-log-test-");
  try {
    assert.throws(() => openLog(ws, { maxFileBytes: 2000, maxTotalBytes: 1000 }), RangeError);
  } finally {
    ws.remove();
  }
});
