import assert from "node:assert/strict";
import test from "node:test";
import { EventsRelay, splitQuery } from "../../src/codexd/events-relay.js";
import { createSilentLogger } from "../../src/logger.js";
import { fakeClient, fakeConnector } from "./relay-fakes.js";

function relayWith(
  connect: ReturnType<typeof fakeConnector>["connect"],
  options: { maxBufferedBytes?: number; onCutOff?: () => void } = {}
) {
  return new EventsRelay({
    upstreamUrl: () => "unused",
    connectTimeoutMs: 1000,
    logger: createSilentLogger(),
    flushScheduler: (flush) => flush(),
    connect,
    ...options
  });
}

test("clients with the same filter share one upstream; it closes when the last one leaves", () => {
  const fake = fakeConnector();
  const relay = relayWith(fake.connect);
  const a = fakeClient();
  const b = fakeClient();
  const c = fakeClient();
  relay.attach(a.socket, "?sessionId=s1&type=app-server");
  relay.attach(b.socket, "?type=app-server&sessionId=s1");
  relay.attach(c.socket, "?sessionId=s2");
  assert.deepEqual(
    fake.streams.map((stream) => stream.search),
    ["?sessionId=s1&type=app-server", "?sessionId=s2"],
    "one upstream per distinct filter, whatever the parameters' order"
  );
  assert.equal(relay.upstreamCount, 2);
  const [s1, s2] = fake.streams;
  s1!.event(1);
  s2!.event(2);
  assert.deepEqual(a.seqs(), [1]);
  assert.deepEqual(b.seqs(), [1]);
  assert.deepEqual(c.seqs(), [2]);

  a.client.emit("close");
  assert.equal(s1!.closed, false, "b still reads it");
  b.client.emit("close");
  assert.equal(s1!.closed, true, "closed when the last client left");
  assert.equal(relay.upstreamCount, 1);

  const d = fakeClient();
  relay.attach(d.socket, "?sessionId=s1&type=app-server");
  assert.equal(fake.streams.length, 3, "a new client after that opens a new upstream");
  assert.equal(relay.size, 2);
});

test("an upstream's end closes every client of it with its code, and the next client opens a new one", () => {
  const fake = fakeConnector();
  const relay = relayWith(fake.connect);
  const a = fakeClient();
  const b = fakeClient();
  relay.attach(a.socket, "");
  relay.attach(b.socket, "");
  fake.streams[0]!.end(1013, "codexd unavailable");
  assert.deepEqual(a.closes, [{ code: 1013, reason: "codexd unavailable" }]);
  assert.deepEqual(b.closes, [{ code: 1013, reason: "codexd unavailable" }]);
  assert.equal(relay.size, 0);
  assert.equal(relay.upstreamCount, 0);
  relay.attach(fakeClient().socket, "");
  assert.equal(fake.streams.length, 2);
});

test("a slow client is cut off with 4008 alone; the others on its upstream go on", () => {
  const fake = fakeConnector();
  let cutOffs = 0;
  const relay = relayWith(fake.connect, { maxBufferedBytes: 100, onCutOff: () => (cutOffs += 1) });
  const slow = fakeClient({ bytesPerSend: 1000 });
  const fast = fakeClient();
  relay.attach(slow.socket, "");
  relay.attach(fast.socket, "");
  for (let seq = 1; seq <= 5; seq += 1) fake.streams[0]!.event(seq);
  assert.deepEqual(slow.seqs(), [1], "nothing more is queued once the bound is passed");
  assert.equal(slow.closes[0]?.code, 4008);
  assert.match(slow.closes[0]?.reason ?? "", /too slow/);
  assert.deepEqual(fast.seqs(), [1, 2, 3, 4, 5]);
  assert.equal(cutOffs, 1);
  assert.equal(fake.streams[0]!.closed, false);
  assert.equal(relay.size, 1);
});

test("not shared: every client gets its own upstream with its query as given", () => {
  const fake = fakeConnector();
  const relay = new EventsRelay({
    upstreamUrl: () => "unused",
    connectTimeoutMs: 1000,
    logger: createSilentLogger(),
    flushScheduler: (flush) => flush(),
    connect: fake.connect,
    share: false
  });
  relay.attach(fakeClient().socket, "ws://node-b/v1/tasks/t/events?after=3");
  relay.attach(fakeClient().socket, "ws://node-b/v1/tasks/t/events?after=3");
  assert.deepEqual(
    fake.streams.map((stream) => stream.search),
    ["ws://node-b/v1/tasks/t/events?after=3", "ws://node-b/v1/tasks/t/events?after=3"]
  );
});

test("the shared key is the filter without after; a malformed after stays in the query", () => {
  assert.deepEqual(splitQuery("?after=7&sessionId=s"), {
    key: "?sessionId=s",
    liveSearch: "?sessionId=s",
    after: 7
  });
  assert.deepEqual(splitQuery(""), { key: "", liveSearch: "", after: undefined });
  assert.deepEqual(splitQuery("?after=-3"), {
    key: "as-given:?after=-3",
    liveSearch: "?after=-3",
    after: undefined
  });
});
