// The event-fanout bench's measuring client: the lean WebSocket reader and the frame field
// reader must see exactly what a `ws` server sent, whatever the frame sizes and read splits.
import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { WebSocketServer } from "ws";
import { eventFrameReader } from "../../bench/lib/event-frame-fields.mjs";
import { openRawSubscriber } from "../../bench/lib/raw-ws-subscriber.mjs";

async function server(t) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await once(wss, "listening");
  t.after(() => new Promise((resolve) => wss.close(resolve)));
  return { wss, url: `ws://127.0.0.1:${wss.address().port}/events?x=1` };
}

test("every frame a ws server sends arrives whole and in order, pings answered, close code kept", async (t) => {
  const { wss, url } = await server(t);
  const connected = once(wss, "connection");
  const client = await openRawSubscriber(url);
  const [peer] = await connected;
  // Sizes around each length encoding: 7-bit, 16-bit and 64-bit lengths.
  const sizes = [
    0,
    1,
    125,
    126,
    127,
    65_535,
    65_536,
    200_000,
    ...Array.from({ length: 300 }, (_, i) => i * 7)
  ];
  const sent = sizes.map((size, i) => `${i}:`.padEnd(size, "x"));
  const received = [];
  client.on("message", (payload) => received.push(String(payload)));
  const pong = once(peer, "pong");
  peer.ping(Buffer.from("are you there"));
  const [pongData] = await pong;
  assert.equal(String(pongData), "are you there");
  for (const text of sent) peer.send(text);
  const closed = once(client, "close");
  peer.close(4008, "too slow");
  const [code] = await closed;
  assert.equal(code, 4008);
  assert.equal(client.readyState, 3);
  assert.deepEqual(received, sent);
});

test("a server that does not upgrade is an error naming its status", async (t) => {
  const { wss, url } = await server(t);
  wss.options.verifyClient = () => false;
  await assert.rejects(openRawSubscriber(url), /answered 401, not an upgrade/);
});

test("the frame reader names the type and reads `at`, also when consecutive events change it", () => {
  const reader = eventFrameReader({
    delta: "app-server.item.agentMessage.delta",
    end: "app-server.turn.completed"
  });
  const frame = (seq, type, at) =>
    Buffer.from(JSON.stringify({ seq, type, at, sessionId: "ses_1", data: { delta: '"at":"x' } }));
  const ats = ["2026-12-05T12:00:00.001Z", "2026-12-05T12:00:00.001Z", "2026-12-05T12:00:00.002Z"];
  for (const [i, at] of ats.entries()) {
    const raw = frame(i + 1, "app-server.item.agentMessage.delta", at);
    assert.equal(reader.kind(raw), "delta");
    assert.equal(reader.at(raw), Date.parse(at));
  }
  assert.equal(reader.kind(frame(9, "app-server.turn.completed", ats[0])), "end");
  assert.equal(reader.kind(frame(10, "app-server.turn.started", ats[0])), undefined);
  assert.equal(reader.kind(frame(11, "app-server.item.agentMessage.deltas", ats[0])), undefined);
  assert.equal(reader.kind(Buffer.from("not json")), undefined);
});
