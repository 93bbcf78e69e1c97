import assert from "node:assert/strict";
import test from "node:test";
import { EventsRelay } from "../../src/codexd/events-relay.js";
import { createSilentLogger } from "../../src/logger.js";
import { relayFrame } from "../../src/codexd/relay-frames.js";
import { ReplayJoin, seqOf } from "../../src/codexd/relay-join.js";
import { fakeClient, fakeConnector } from "./relay-fakes.js";

function relayWith(connect: ReturnType<typeof fakeConnector>["connect"]) {
  return new EventsRelay({
    upstreamUrl: () => "unused",
    connectTimeoutMs: 1000,
    logger: createSilentLogger(),
    flushScheduler: (flush) => flush(),
    connect
  });
}

test("after=: the replay runs first, then the client joins the shared stream with no gap and no duplicate", () => {
  const fake = fakeConnector();
  const relay = relayWith(fake.connect);
  const live = fakeClient();
  relay.attach(live.socket, "?sessionId=s");
  const shared = fake.streams[0]!;
  const late = fakeClient();
  relay.attach(late.socket, "?after=5&sessionId=s");
  const replay = fake.streams[1]!;
  assert.equal(replay.search, "?after=5&sessionId=s", "the replay asks with the client's own query");
  replay.open();
  assert.equal(fake.streams.length, 2, "the shared stream of that filter is joined, not opened again");

  shared.event(9);
  shared.event(10);
  for (const seq of [6, 7, 8]) replay.event(seq);
  assert.deepEqual(late.seqs(), [6, 7, 8], "live frames are held while the replay is behind them");
  replay.event(9);
  assert.equal(replay.closed, true, "the replay is left once it reached the held frames");
  shared.event(11);
  assert.deepEqual(late.seqs(), [6, 7, 8, 9, 10, 11]);
  assert.deepEqual(live.seqs(), [9, 10, 11]);
  late.client.emit("close");
  assert.equal(shared.closed, false);
  live.client.emit("close");
  assert.equal(shared.closed, true);
});

test("after=: the only client of a filter opens the shared stream once its replay is open", () => {
  const fake = fakeConnector();
  const relay = relayWith(fake.connect);
  const client = fakeClient();
  relay.attach(client.socket, "?after=2");
  assert.equal(fake.streams.length, 1);
  fake.streams[0]!.open();
  assert.deepEqual(
    fake.streams.map((stream) => stream.search),
    ["?after=2", ""]
  );
  const [replay, shared] = fake.streams;
  replay!.frame('{"hello":true}');
  replay!.event(3);
  shared!.event(4);
  replay!.event(4);
  shared!.event(5);
  assert.deepEqual(client.sent, [
    '{"hello":true}',
    '{"seq":3,"type":"test.event"}',
    '{"seq":4,"type":"test.event"}',
    '{"seq":5,"type":"test.event"}'
  ]);
  assert.equal(replay!.closed, true);
  assert.equal(relay.upstreamCount, 1);
});

test("after=: a replay the upstream refuses closes the client with its code", () => {
  const fake = fakeConnector();
  const relay = relayWith(fake.connect);
  const client = fakeClient();
  relay.attach(client.socket, "?after=99");
  fake.streams[0]!.end(4400, "after=99 is beyond the last recorded seq 3");
  assert.deepEqual(client.closes, [{ code: 4400, reason: "after=99 is beyond the last recorded seq 3" }]);
  assert.equal(relay.size, 0);
});

// A small deterministic generator, so a failing interleaving can be replayed by its seed.
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

test("after=: every interleaving of replay and shared frames gives each event once, in order", () => {
  for (let seed = 1; seed <= 500; seed += 1) {
    const next = random(seed);
    // The filter keeps some of the log's events: both streams carry only those.
    const kept = Array.from({ length: 60 }, (_, i) => i + 1).filter(() => next() < 0.6);
    const after = Math.floor(next() * 30);
    const joinAt = after + 1 + Math.floor(next() * 40);
    const fake = fakeConnector();
    const relay = relayWith(fake.connect);
    const client = fakeClient();
    relay.attach(client.socket, `?after=${after}`);
    const replay = fake.streams[0]!;
    replay.open();
    const shared = fake.streams[1]!;
    const replayFrames = kept.filter((seq) => seq > after);
    const sharedFrames = kept.filter((seq) => seq >= joinAt);
    while (sharedFrames.length > 0 || (replayFrames.length > 0 && !replay.closed)) {
      const fromReplay =
        !replay.closed && replayFrames.length > 0 && (sharedFrames.length === 0 || next() < 0.5);
      if (fromReplay) replay.event(replayFrames.shift()!);
      else shared.event(sharedFrames.shift()!);
    }
    const expected = kept.filter((seq) => seq > after);
    assert.deepEqual(client.seqs(), expected, `seed ${seed}: after=${after}, shared from ${joinAt}`);
    assert.equal(
      replay.closed,
      kept.some((seq) => seq >= joinAt && seq > after),
      `seed ${seed}: the replay is left once joined`
    );
  }
});

test("ReplayJoin counts held bytes and drops held frames the replay already sent", () => {
  const join = new ReplayJoin(10);
  join.hold(relayFrame(12, Buffer.from("abc"), false));
  join.hold(relayFrame(undefined, Buffer.from("not an event"), false));
  assert.equal(join.heldBytes, 5, "the frame's header and payload");
  assert.equal(join.caughtUp, false);
  join.replayed(11);
  assert.equal(join.caughtUp, false);
  join.replayed(12);
  assert.equal(join.caughtUp, true);
  assert.deepEqual(join.takeRest(), []);
  assert.equal(join.heldBytes, 0);
});

test("seqOf reads codexd's leading seq and parses anything else", () => {
  assert.equal(seqOf(Buffer.from('{"seq":123,"type":"x"}')), 123);
  assert.equal(seqOf(Buffer.from('{"type":"x","seq":7}')), 7);
  assert.equal(seqOf(Buffer.from('{"seq":1.5}')), undefined);
  assert.equal(seqOf(Buffer.from("not json")), undefined);
  assert.equal(seqOf(Buffer.from('{"type":"x"}')), undefined);
});
