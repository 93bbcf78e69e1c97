import assert from "node:assert/strict";
import test from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import WebSocket from "ws";
import type { CodexdEvent } from "@baa/event-log";
import { postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

function connect(url: string) {
  const socket = new WebSocket(url);
  const received: CodexdEvent[] = [];
  const listeners = new Set<(event: CodexdEvent) => void>();
  socket.on("message", (data) => {
    const event = JSON.parse(String(data)) as CodexdEvent;
    received.push(event);
    for (const listener of listeners) listener(event);
  });
  const opened = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: String(reason) }));
  });
  return {
    socket,
    received,
    opened,
    closed,
    onEvent: (listener: (event: CodexdEvent) => void) => listeners.add(listener)
  };
}

// Waits on what the stream delivers, not on the clock: `check` runs now and after each message.
function until(client: ReturnType<typeof connect>, check: () => boolean, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const onMessage = () => {
      if (!check()) return;
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new Error(`the stream closed before ${what}`));
    };
    const cleanup = () => {
      client.socket.off("message", onMessage);
      client.socket.off("close", onClose);
    };
    client.socket.on("message", onMessage);
    client.socket.on("close", onClose);
  });
}

const wsBase = (base: string) => base.replace(/^http/, "ws");

test("after=N replays exactly the missed events from the files, then live ones, with no gap or duplicate", async () => {
  const codexd = await startFakeCodexd({ recentEventsLimit: 10 });
  try {
    const { events } = codexd.service;
    for (let i = 0; i < 3000; i += 1)
      events.record({ type: "app-server.item.completed", data: { i, pad: "p".repeat(200) } });
    const after = events.lastSeq - 2500;
    const upTo = events.lastSeq;
    const client = connect(`${wsBase(codexd.base)}/v1/codexd/events?after=${after}`);
    let emittedDuringReplay = 0;
    let emitted = 0;
    client.onEvent((event) => {
      // live events land while the replay is still reading the files
      if (emitted < 100 && event.seq % 7 === 0) {
        if (event.seq < upTo) emittedDuringReplay += 1;
        emitted += 1;
        if (emitted % 2) events.record({ type: "live.direct" });
        else codexd.appServer.emit("item/agentMessage/delta", { threadId: "none", turnId: "t", delta: "x" });
      }
    });
    await client.opened;
    await until(
      client,
      () => emitted >= 100 && client.received.at(-1)?.seq === events.lastSeq,
      "replay and live caught up"
    );
    events.record({ type: "live.after" });
    await until(
      client,
      () => client.received.at(-1)?.type === "live.after",
      "a live event after the switch-over"
    );
    const seqs = client.received.map((e) => e.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: events.lastSeq - after }, (_, i) => after + 1 + i)
    );
    assert.ok(emittedDuringReplay > 10, `emitted during replay: ${emittedDuringReplay}`);
    assert.ok(client.received.some((e) => e.type === "app-server.item.agentMessage.delta"));
    client.socket.close();
    await client.closed;
  } finally {
    await codexd.stop();
  }
});

test("a filtered replay keeps only the session's events, in order, through the switch-over", async () => {
  const codexd = await startFakeCodexd({ recentEventsLimit: 10 });
  try {
    const one = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session;
    const two = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session;
    const emitFor = (session: { threadId: string }, i: number) =>
      codexd.appServer.emit("item/completed", {
        threadId: session.threadId,
        turnId: `turn-${i}`,
        item: { type: "agentMessage", text: `m${i}` }
      });
    for (let i = 0; i < 1800; i += 1) emitFor(i % 3 ? two : one, i);
    const upTo = codexd.service.events.lastSeq;
    const client = connect(
      `${wsBase(codexd.base)}/v1/codexd/events?after=0&sessionId=${one.sessionId}&type=app-server.item`
    );
    let live = 0;
    let duringReplay = 0;
    client.onEvent((event) => {
      if (live >= 60) return;
      if (event.seq < upTo) duringReplay += 1;
      emitFor(live % 2 ? two : one, 10_000 + live++);
    });
    await client.opened;
    await until(client, () => live >= 60, "live events emitted");
    emitFor(one, 99_999);
    await until(client, () => client.received.at(-1)?.turnId === "turn-99999", "last live event");
    const all = await codexd.service.events.query({
      sessionId: one.sessionId,
      type: "app-server.item",
      limit: 1000
    });
    assert.deepEqual(
      client.received.map((e) => e.seq),
      all.events.map((e) => e.seq)
    );
    assert.equal(client.received.length, 600 + 30 + 1);
    assert.ok(duringReplay > 0, "live events were emitted while the replay ran");
    client.socket.close();
  } finally {
    await codexd.stop();
  }
});

test("without after only live events are sent; a bad query is closed with 4400", async () => {
  const codexd = await startFakeCodexd();
  try {
    codexd.service.events.record({ type: "before" });
    const client = connect(`${wsBase(codexd.base)}/v1/codexd/events`);
    await client.opened;
    codexd.service.events.record({ type: "now" });
    await until(client, () => client.received.length === 1, "the live event");
    assert.equal(client.received[0]?.type, "now");
    client.socket.close();

    const bad = connect(`${wsBase(codexd.base)}/v1/codexd/events?after=-3`);
    const { code, reason } = await bad.closed;
    assert.equal(code, 4400);
    assert.match(reason, /after/);

    // A seq from the future would silently swallow live events until the log caught up.
    const ahead = connect(
      `${wsBase(codexd.base)}/v1/codexd/events?after=${codexd.service.events.lastSeq + 100}`
    );
    const refused = await ahead.closed;
    assert.equal(refused.code, 4400);
    assert.match(refused.reason, /beyond the last recorded seq/);
  } finally {
    await codexd.stop();
  }
});

test("a client that stops reading is closed with 4008 and server memory stays bounded", async (t) => {
  const codexd = await startFakeCodexd({ recentEventsLimit: 4 });
  try {
    const { events } = codexd.service;
    const listenersBefore = events.subscriberCount;
    const client = connect(`${wsBase(codexd.base)}/v1/codexd/events?after=${events.lastSeq}`);
    await client.opened;
    // Subscribed once a probe recorded now comes through (after= replays it if it came first).
    events.record({ type: "probe" });
    await until(client, () => client.received.some((e) => e.type === "probe"), "subscribed");
    assert.equal(events.subscriberCount, listenersBefore + 1);
    (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();

    const big = "b".repeat(256 * 1024);
    const rssBefore = process.memoryUsage().rss;
    let recorded = 0;
    while (events.subscriberCount > listenersBefore && recorded < 2000) {
      events.record({ type: "app-server.item.completed", data: { big } });
      recorded += 1;
      if (recorded % 4 === 0) await tick();
    }
    const rssDelta = process.memoryUsage().rss - rssBefore;
    t.diagnostic(
      `recorded ${recorded} events (${((recorded * big.length) / 2 ** 20).toFixed(0)} MiB) before the cut-off`
    );
    t.diagnostic(`server RSS delta ${(rssDelta / 2 ** 20).toFixed(1)} MiB`);
    assert.equal(events.subscriberCount, listenersBefore, "subscription dropped");
    assert.ok(recorded < 2000, "the slow client was cut off");
    assert.ok(rssDelta < 64 * 2 ** 20, "memory stayed near the 4 MiB bound until the cut-off");

    // keep recording after the cut-off: nothing more is held for that client
    for (let i = 0; i < 100; i += 1) {
      events.record({ type: "app-server.item.completed", data: { big } });
      if (i % 4 === 0) await tick();
    }
    const rssAfterMore = process.memoryUsage().rss - rssBefore;
    t.diagnostic(`server RSS delta after 100 more events ${(rssAfterMore / 2 ** 20).toFixed(1)} MiB`);
    assert.ok(rssAfterMore < 128 * 2 ** 20, "memory did not follow the 25 MiB recorded after the cut-off");

    (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    const { code, reason } = await client.closed;
    assert.equal(code, 4008);
    assert.match(reason, /too slow/);
  } finally {
    await codexd.stop();
  }
});

test("a client that stalls during the replay is cut off once held live events pile up", async () => {
  const codexd = await startFakeCodexd({ recentEventsLimit: 4 });
  try {
    const { events } = codexd.service;
    const big = "r".repeat(256 * 1024);
    const after = events.lastSeq;
    for (let i = 0; i < 120; i += 1) events.record({ type: "stored", data: { big } });
    const listenersBefore = events.subscriberCount;
    const client = connect(`${wsBase(codexd.base)}/v1/codexd/events?after=${after}`);
    client.onEvent(() => (client.socket as unknown as { _socket: { pause(): void } })._socket.pause());
    await until(client, () => client.received.length > 0, "the replay started");
    let recorded = 0;
    while (events.subscriberCount > listenersBefore && recorded < 1000) {
      events.record({ type: "live", data: { big } });
      recorded += 1;
      await tick();
    }
    assert.equal(events.subscriberCount, listenersBefore);
    assert.ok(recorded < 1000);
    (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
    client.socket.removeAllListeners("message");
    const { code } = await client.closed;
    assert.equal(code, 4008);
  } finally {
    await codexd.stop();
  }
});
