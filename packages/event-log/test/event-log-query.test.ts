import assert from "node:assert/strict";
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { EventLog, matches, type CodexdEvent, type EventFilter } from "../src/index.js";
import { testHealth } from "./support/test-health.js";

const START = Date.parse("2030-01-01T00:00:00Z");
const TYPES = [
  "app-server.turn.started",
  "app-server.item.completed",
  "app-server.turn.completed",
  "session.created"
];

// 120 events over many small segments: two sessions, a turn per 10 events, one second apart.
function buildLog(extra: { maxFileBytes?: number; maxTotalBytes?: number } = {}) {
  const ws = makeTempDir("event-log-test-");
  let clock = START;
  const log = new EventLog({
    logPath: ws.path("logs", "events.jsonl"),
    recentPath: ws.path("state", "recent-events.json"),
    limit: 10,
    now: () => clock,
    health: testHealth(),
    maxFileBytes: extra.maxFileBytes ?? 2000,
    maxTotalBytes: extra.maxTotalBytes ?? 10_000_000
  });
  const all: CodexdEvent[] = [];
  for (let i = 0; i < 120; i += 1) {
    clock = START + i * 1000;
    all.push(
      log.record({
        type: TYPES[i % 4] as string,
        sessionId: i % 2 === 0 ? "s-a" : "s-b",
        turnId: `turn-${Math.floor(i / 10)}`,
        data: { i }
      })
    );
  }
  return { ws, log, all };
}

async function pageAll(log: EventLog, filter: EventFilter) {
  const seen: number[] = [];
  let after = filter.after;
  for (let pages = 0; pages < 1000; pages += 1) {
    const page = await log.query({ ...filter, after });
    assert.ok(page.events.length <= (filter.limit ?? 200));
    seen.push(...page.events.map((e) => e.seq));
    if (page.nextAfter === null) return { seen, pages: pages + 1 };
    assert.equal(page.nextAfter, page.events.at(-1)?.seq);
    after = page.nextAfter;
  }
  throw new Error("paging did not end");
}

test("query pages across segments with each filter", async () => {
  const { ws, log, all } = buildLog();
  try {
    assert.ok(readdirSync(ws.path("logs")).length > 5, "several segments");
    const filters: EventFilter[] = [
      {},
      { after: 37 },
      { sessionId: "s-b" },
      { turnId: "turn-7" },
      { type: "app-server.turn.completed" },
      { type: "app-server.turn" },
      { type: "app-server.tu" },
      { since: new Date(START + 30_000).toISOString(), until: new Date(START + 75_000).toISOString() },
      { since: "2030-01-01T01:00:30+01:00" },
      { sessionId: "s-a", type: "app-server.turn", after: 20, until: new Date(START + 100_000).toISOString() }
    ];
    for (const filter of filters) {
      const expected = all.filter((e) => matches(e, filter)).map((e) => e.seq);
      const { seen, pages } = await pageAll(log, { ...filter, limit: 7 });
      assert.deepEqual(seen, expected, JSON.stringify(filter));
      assert.equal(pages, Math.max(1, Math.ceil(expected.length / 7)), `pages for ${JSON.stringify(filter)}`);
    }
    const page = await log.query({ type: "app-server.turn" });
    assert.equal(page.lastSeq, 120);
    assert.equal(page.nextAfter, null);
    assert.deepEqual(page.events[0], all[0]);
  } finally {
    await log.close();
    ws.remove();
  }
});

test("query skips segments that end at or before `after` and torn lines", async () => {
  const { ws, log } = buildLog();
  try {
    const names = readdirSync(ws.path("logs"))
      .filter((n) => /^events\.\d{12}\.jsonl$/.test(n))
      .sort();
    const second = Number(names[1]?.slice(7, 19));
    const thirdPath = ws.path("logs", names[2] as string);
    const lines = readFileSync(thirdPath, "utf8").split("\n");
    const torn = JSON.parse(lines[1] as string) as CodexdEvent;
    lines[1] = (lines[1] as string).slice(0, 25);
    writeFileSync(thirdPath, lines.join("\n"));
    const all = await log.query({ limit: 1000 });
    assert.equal(all.events.length, 119);
    assert.ok(!all.events.some((e) => e.seq === torn.seq));
    // A planted line in the first segment would show up if that segment were read.
    appendFileSync(
      ws.path("logs", names[0] as string),
      `${JSON.stringify({ seq: 119.5, type: "planted" })}\n`
    );
    const page = await log.query({ after: second - 1, limit: 1000 });
    assert.equal(page.events[0]?.seq, second);
    assert.ok(!page.events.some((e) => e.type === "planted"));
  } finally {
    await log.close();
    ws.remove();
  }
});

test("query limits: default 200, at most 1000, and a byte budget per page", async () => {
  const ws = makeTempDir("event-log-test-");
  const log = new EventLog({
    logPath: ws.path("logs", "events.jsonl"),
    recentPath: ws.path("state", "recent-events.json"),
    limit: 10,
    now: () => START,
    health: testHealth()
  });
  try {
    for (let i = 0; i < 1100; i += 1) log.record({ type: "t" });
    const first = await log.query();
    assert.equal(first.events.length, 200);
    assert.equal(first.nextAfter, 200);
    assert.equal((await log.query({ limit: 5000 })).events.length, 1000);
    const small = await log.query({ after: 1000 }, { maxBytes: 300 });
    assert.ok(small.events.length >= 1 && small.events.length < 5, `${small.events.length} events`);
    assert.equal(small.nextAfter, small.events.at(-1)?.seq);
    assert.deepEqual(await log.query({ after: 1100 }), { events: [], nextAfter: null, lastSeq: 1100 });
    await assert.rejects(log.query({ since: "yesterday" }), RangeError);
  } finally {
    await log.close();
    ws.remove();
  }
});

test("a query that races with rotations still returns every event once", async () => {
  const { ws, log } = buildLog({ maxFileBytes: 600 });
  try {
    const pending = log.query({ limit: 1000 });
    // rotate several times while the query is reading
    for (let i = 0; i < 40; i += 1) log.record({ type: "late", data: "z".repeat(100) });
    const page = await pending;
    assert.equal(page.lastSeq, 120);
    assert.deepEqual(
      page.events.map((e) => e.seq),
      Array.from({ length: 120 }, (_, i) => i + 1)
    );
  } finally {
    await log.close();
    ws.remove();
  }
});
