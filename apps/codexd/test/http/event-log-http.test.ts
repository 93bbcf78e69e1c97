import assert from "node:assert/strict";
import test from "node:test";
import { getJson, startFakeCodexd } from "../support/start-fake-codexd.js";

test("GET /v1/codexd/events pages through the whole log with filters", async () => {
  // a ring of 5 proves the answer comes from the files, not from memory
  const codexd = await startFakeCodexd({ recentEventsLimit: 5 });
  try {
    const { events } = codexd.service;
    const base = events.lastSeq;
    for (let i = 0; i < 30; i += 1) {
      events.record({
        type: i % 3 === 0 ? "app-server.turn.completed" : "app-server.item.completed",
        sessionId: i % 2 ? "s-1" : "s-2",
        turnId: `t-${i % 5}`
      });
    }
    codexd.appServer.emit("turn/completed", { threadId: "nope", turn: { id: "t-x", status: "completed" } });

    const first = await getJson(`${codexd.base}/v1/codexd/events?after=${base}&limit=10`);
    assert.equal(first.status, 200);
    assert.equal(first.body.ok, true);
    assert.deepEqual(
      first.body.data.events.map((e: { seq: number }) => e.seq),
      Array.from({ length: 10 }, (_, i) => base + 1 + i)
    );
    assert.equal(first.body.data.nextAfter, base + 10);
    assert.equal(first.body.data.lastSeq, events.lastSeq);

    const turns = await getJson(
      `${codexd.base}/v1/codexd/events?after=${base}&type=app-server.turn&sessionId=s-2`
    );
    const seqs = turns.body.data.events.map((e: { seq: number; type: string }) => e.seq - base - 1);
    assert.deepEqual(seqs, [0, 6, 12, 18, 24]);
    assert.equal(turns.body.data.nextAfter, null);

    const byTurn = await getJson(`${codexd.base}/v1/codexd/events?turnId=t-x`);
    assert.deepEqual(
      byTurn.body.data.events.map((e: { type: string }) => e.type),
      ["app-server.turn.completed"]
    );

    const future = await getJson(`${codexd.base}/v1/codexd/events?since=2999-01-01T00:00:00Z`);
    assert.deepEqual(future.body.data.events, []);
    const past = await getJson(`${codexd.base}/v1/codexd/events?until=2000-01-01T00:00:00.000%2B02:00`);
    assert.deepEqual(past.body.data.events, []);
  } finally {
    await codexd.stop();
  }
});

test("GET /v1/codexd/events rejects bad query values with 400 naming the field", async () => {
  const codexd = await startFakeCodexd();
  try {
    for (const [query, field] of [
      ["after=-1", "after"],
      ["after=abc", "after"],
      ["limit=0", "limit"],
      ["limit=1001", "limit"],
      ["since=yesterday", "since"],
      ["until=2030-13-01T00:00:00Z", "until"],
      ["type=", "type"]
    ] as const) {
      const response = await getJson(`${codexd.base}/v1/codexd/events?${query}`);
      assert.equal(response.status, 400, query);
      assert.equal(response.body.ok, false);
      assert.match(response.body.error.message, new RegExp(field), query);
    }
  } finally {
    await codexd.stop();
  }
});
