import assert from "node:assert/strict";
import test from "node:test";
import type { NodeHeartbeat, NodeRecord } from "@baa/control-store";
import { NodeKeeper } from "../../src/cluster/node-keeper.js";
import { decideAfterBeat, nodeTiming } from "../../src/cluster/node-policy.js";
import { createSilentLogger } from "../../src/logger.js";
import { ManualTimers } from "@baa/clock/testing";

const TTL = 3000;

/** A heartbeat store in memory: records every beat, can fail, hang, or be drained. */
class FakeNodeStore {
  readonly beats: { at: number; beat: NodeHeartbeat }[] = [];
  failing = false;
  hanging = false;
  draining = false;
  renewed = 0;
  constructor(readonly timers: ManualTimers) {}

  async heartbeatNode(beat: NodeHeartbeat): Promise<{ node: NodeRecord; renewed: number }> {
    if (this.hanging) return new Promise(() => {});
    if (this.failing) throw new Error("store down");
    this.beats.push({ at: this.timers.now(), beat });
    const at = new Date(this.timers.wallNow()).toISOString();
    const node: NodeRecord = {
      nodeId: beat.nodeId,
      address: beat.address,
      labels: [...beat.labels],
      capacity: beat.capacity,
      running: beat.running,
      version: beat.version,
      executes: beat.executes,
      draining: this.draining,
      startedAt: at,
      lastSeenAt: at,
      expiresAt: new Date(this.timers.wallNow() + beat.ttlMs).toISOString(),
      state: this.draining ? "draining" : "up"
    };
    return { node, renewed: this.renewed };
  }
}

function setup(options: { executes?: boolean } = {}) {
  const timers = new ManualTimers();
  const store = new FakeNodeStore(timers);
  const lost: string[] = [];
  const observed = { beats: 0, renewed: 0, failed: 0 };
  let running = 0;
  const keeper = new NodeKeeper({
    store,
    nodeId: "node-a",
    ttlMs: TTL,
    executes: options.executes ?? true,
    labels: ["gpu"],
    capacity: 2,
    version: "1.2.3",
    self: { running: () => running, address: () => "http://10.0.0.1:4317" },
    timers,
    logger: createSilentLogger(),
    onLost: (reason) => lost.push(reason),
    observer: {
      beat: (renewed) => {
        observed.beats += 1;
        observed.renewed += renewed;
      },
      failed: () => {
        observed.failed += 1;
      }
    }
  });
  return { timers, store, keeper, lost, observed, setRunning: (n: number) => (running = n) };
}

test("a node beats every third of the run-lease TTL, one write each, carrying what the node is", async () => {
  const { timers, store, keeper, observed, setRunning } = setup();
  setRunning(1);
  store.renewed = 1;
  keeper.start();
  await timers.advance(0);
  assert.deepEqual(keeper.current(), { holder: "node-a", term: 0 });
  await timers.advance(TTL * 3);
  const gaps = store.beats.slice(1).map((b, i) => b.at - store.beats[i]!.at);
  assert.ok(gaps.length >= 8, `beats: ${store.beats.length}`);
  assert.ok(
    gaps.every((gap) => gap === TTL / 3),
    `gaps ${gaps}`
  );
  const beat = store.beats[0]!.beat;
  assert.deepEqual(
    { ...beat, labels: [...beat.labels] },
    {
      nodeId: "node-a",
      address: "http://10.0.0.1:4317",
      labels: ["gpu"],
      capacity: 2,
      running: 1,
      version: "1.2.3",
      executes: true,
      ttlMs: TTL,
      runLeaseTtlMs: TTL
    }
  );
  assert.equal(observed.beats, store.beats.length);
  assert.equal(observed.renewed, store.beats.length, "one run renewed per beat");
  await keeper.stop();
});

test("renewals failing: the node claims until ttl − margin after its last good beat, then stops its runs once", async () => {
  const { timers, store, keeper, lost, observed } = setup();
  const timing = nodeTiming(TTL);
  keeper.start();
  await timers.advance(0);
  const lastGood = timers.now();
  store.failing = true;
  await timers.advance(TTL - timing.marginMs - 1);
  assert.notEqual(keeper.current(), null, "still current before the deadline");
  assert.equal(lost.length, 0);
  assert.ok(observed.failed >= 2, "it retried");
  await timers.advance(1);
  assert.equal(timers.now() - lastGood, TTL - timing.marginMs);
  assert.equal(keeper.current(), null, "no claims at the deadline");
  assert.equal(lost.length, 1, "its runs are stopped");
  await timers.advance(TTL * 2);
  assert.equal(lost.length, 1, "only once per loss");
  store.failing = false;
  await timers.advance(TTL);
  assert.deepEqual(keeper.current(), { holder: "node-a", term: 0 }, "claims again once it beats");
  await keeper.stop();
});

test("a hung beat does not hold the node past its deadline", async () => {
  const { timers, store, keeper, lost } = setup();
  keeper.start();
  await timers.advance(0);
  store.hanging = true;
  await timers.advance(TTL);
  assert.equal(keeper.current(), null);
  assert.equal(lost.length, 1);
  // The hung write gives up on its own deadline; stop waits for that, not for the store.
  const stopping = keeper.stop();
  await timers.advance(TTL);
  await stopping;
});

test("a beat that lands after the deadline passed (a frozen process) still stops the runs of before", async () => {
  const timing = nodeTiming(TTL);
  const decision = decideAfterBeat(
    timing,
    1000,
    { kind: "ok", sentAt: 5000, draining: false, renewed: 0 },
    5010
  );
  assert.equal(decision.change, "lapsed");
  assert.equal(decision.liveUntil, 5000 + TTL - timing.marginMs);
  assert.equal(
    decideAfterBeat(timing, 6000, { kind: "ok", sentAt: 5000, draining: false, renewed: 0 }, 5010).change,
    "renewed"
  );
  assert.equal(
    decideAfterBeat(timing, null, { kind: "ok", sentAt: 5000, draining: false, renewed: 0 }, 5010).change,
    "live"
  );
  assert.equal(decideAfterBeat(timing, 1000, { kind: "error" }, 5010).change, "lost");
});

test("a drained node beats but claims nothing; resumed, it claims again; its runs are left alone", async () => {
  const { timers, store, keeper, lost } = setup();
  keeper.start();
  await timers.advance(0);
  store.draining = true;
  await timers.advance(TTL / 3);
  assert.equal(keeper.current(), null);
  assert.equal(keeper.view().draining, true);
  assert.equal(keeper.view().live, true);
  store.draining = false;
  keeper.noteDraining(false);
  assert.deepEqual(
    keeper.current(),
    { holder: "node-a", term: 0 },
    "a resume through this node counts at once"
  );
  assert.equal(lost.length, 0);
  await keeper.stop();
});

test("BAA_EXECUTE=false: the node registers and beats (executes: false) but never claims", async () => {
  const { timers, store, keeper } = setup({ executes: false });
  keeper.start();
  await timers.advance(TTL);
  assert.ok(store.beats.length >= 3);
  assert.ok(store.beats.every((b) => b.beat.executes === false));
  assert.equal(keeper.current(), null);
  assert.equal(keeper.view().live, true);
  await keeper.stop();
});
