import assert from "node:assert/strict";
import test from "node:test";
import type { RunRecord } from "@baa/control-store";
import { LeaseKeeper } from "../../src/leadership/lease-keeper.js";
import type { NodeRole } from "../../src/leadership/lease-policy.js";
import { createSilentLogger } from "../../src/logger.js";
import { ManualTimers } from "@baa/clock/testing";
import { MemoryLeaseStore, runningRun } from "../helpers/memory-lease-store.js";

const TTL = 3000;

function node(
  timers: ManualTimers,
  db: MemoryLeaseStore,
  nodeId: string,
  role: NodeRole,
  options: { down?: () => boolean; hang?: () => boolean; interrupted?: RunRecord[] } = {}
): LeaseKeeper {
  return new LeaseKeeper({
    store: db.view(options),
    nodeId,
    role,
    ttlMs: TTL,
    timers,
    logger: createSilentLogger(),
    interruptTurn: async (run) => {
      options.interrupted?.push(run);
    }
  });
}

function setup() {
  const timers = new ManualTimers();
  const db = new MemoryLeaseStore(() => timers.wallNow());
  return { timers, db };
}

test("a lone primary leads at once, renews without changing its term, and releases on stop", async () => {
  const { timers, db } = setup();
  const keeper = node(timers, db, "a", "primary");
  keeper.start();
  await timers.advance(0);
  assert.deepEqual(keeper.current(), { holder: "a", term: 1 });
  assert.equal(keeper.view().role, "leader");
  await timers.advance(TTL * 5);
  assert.deepEqual(keeper.current(), { holder: "a", term: 1 }, "renewed, same term");
  assert.equal(db.lease.holder, "a");
  await keeper.stop();
  assert.equal(keeper.current(), null);
  assert.equal(db.lease.holder, null, "released so a standby need not wait for expiry");
});

test("two nodes: exactly one leads at every instant, and the standby takes over only after the leader stopped acting", async () => {
  const { timers, db } = setup();
  let aDown = false;
  const a = node(timers, db, "a", "primary", { down: () => aDown });
  const b = node(timers, db, "b", "standby");
  a.start();
  await timers.advance(0);
  b.start();
  let aStoppedAt = -1;
  let bLeadsAt = -1;
  for (let t = 0; t < TTL * 6; t += 50) {
    if (t === TTL) aDown = true; // a's renewals fail from here on
    await timers.advance(50);
    const leaders = [a.current(), b.current()].filter((x) => x !== null);
    assert.ok(leaders.length <= 1, `two leaders at ${timers.now()}`);
    if (aStoppedAt < 0 && a.current() === null) aStoppedAt = timers.now();
    if (bLeadsAt < 0 && b.current() !== null) bLeadsAt = timers.now();
  }
  assert.ok(aStoppedAt > 0 && bLeadsAt > aStoppedAt, `a stopped at ${aStoppedAt}, b led at ${bLeadsAt}`);
  assert.deepEqual(b.current(), { holder: "b", term: 2 });
  // a's last good renewal was at TTL (the store failed just after it): b leads once that lease
  // expired plus the standby's short delay.
  const lastRenewal = TTL;
  assert.ok(bLeadsAt >= lastRenewal + TTL, "never before the old lease expired");
  assert.ok(bLeadsAt <= lastRenewal + TTL + b.timing.takeoverDelayMs + 100, `b led at ${bLeadsAt}`);
  // a comes back: it learns b holds the lease and stays standby.
  aDown = false;
  await timers.advance(TTL);
  assert.equal(a.current(), null);
  assert.equal(a.lastSeen()?.holder, "b");
  await Promise.all([a.stop(), b.stop()]);
});

test("a leader whose store call hangs steps down at its deadline, not when the call returns", async () => {
  const { timers, db } = setup();
  let hang = false;
  const a = node(timers, db, "a", "primary", { hang: () => hang });
  a.start();
  await timers.advance(0);
  hang = true;
  await timers.advance(TTL - a.timing.marginMs - 1);
  assert.notEqual(a.current(), null);
  await timers.advance(2);
  assert.equal(a.current(), null, "stepped down at TTL - margin");
  hang = false;
  await timers.advance(TTL);
  assert.deepEqual(
    a.current(),
    { holder: "a", term: 1 },
    "leads again once the store answers; nobody took the lease, so the term stays"
  );
  await a.stop();
});

test("an expired lease goes to the primary before the standby", async () => {
  const { timers, db } = setup();
  db.lease = {
    scope: "scheduler",
    holder: "gone",
    term: 7,
    expiresAt: new Date(timers.wallNow() + 500).toISOString()
  };
  const standby = node(timers, db, "s", "standby");
  const primary = node(timers, db, "p", "primary");
  standby.start();
  primary.start();
  await timers.advance(TTL * 2);
  assert.deepEqual(primary.current(), { holder: "p", term: 8 });
  assert.equal(standby.current(), null);
  await Promise.all([primary.stop(), standby.stop()]);
});

test("a new term ends the runs of older terms and interrupts the turns this node left going, before claims start", async () => {
  const { timers, db } = setup();
  db.lease = {
    scope: "scheduler",
    holder: "a",
    term: 3,
    expiresAt: new Date(timers.wallNow() + TTL).toISOString()
  };
  db.runs = [
    runningRun("r-mine", "a", 3),
    runningRun("r-other", "b", 2),
    runningRun("r-mine-no-turn", "a", 3, null)
  ];
  const interrupted: RunRecord[] = [];
  // A restart of node "a": the lease in its name belongs to the previous process.
  const a = node(timers, db, "a", "primary", { interrupted });
  const seen: (number | null)[] = [];
  a.onChange((leading) => seen.push(leading?.term ?? null));
  a.start();
  await timers.advance(0);
  assert.deepEqual(a.current(), { holder: "a", term: 4 }, "a fresh process takes a new term");
  assert.deepEqual(
    interrupted.map((run) => run.runId),
    ["r-mine"]
  );
  assert.deepEqual(
    db.runs.map((run) => run.state),
    ["abandoned", "abandoned", "abandoned"]
  );
  assert.deepEqual(seen, [4]);
  await a.stop();
  assert.deepEqual(seen, [4, null]);
});

test("claims wait while the runs of older terms cannot be ended", async () => {
  const { timers, db } = setup();
  const a = node(timers, db, "a", "primary");
  const store = db.view();
  let failAbandon = true;
  const original = store.abandonStaleRuns;
  const keeper = new LeaseKeeper({
    store: {
      ...store,
      abandonStaleRuns: async (options) =>
        failAbandon ? Promise.reject(new Error("boom")) : original(options)
    },
    nodeId: "a",
    role: "primary",
    ttlMs: TTL,
    timers,
    logger: createSilentLogger()
  });
  void a;
  keeper.start();
  await timers.advance(0);
  assert.equal(keeper.view().role, "leader");
  assert.equal(keeper.current(), null, "leads, but may not claim yet");
  failAbandon = false;
  await timers.advance(TTL);
  assert.deepEqual(keeper.current(), { holder: "a", term: 1 });
  await keeper.stop();
});

test("a slow cleanup after a takeover holds claims back but not the renewals", async () => {
  const { timers, db } = setup();
  db.runs = [runningRun("r-old", "a", 0)];
  let release: () => void = () => {};
  const interruptDone = new Promise<void>((resolve) => (release = resolve));
  const keeper = new LeaseKeeper({
    store: db.view(),
    nodeId: "a",
    role: "primary",
    ttlMs: TTL,
    timers,
    logger: createSilentLogger(),
    interruptTurn: () => interruptDone
  });
  keeper.start();
  await timers.advance(0);
  assert.equal(keeper.view().role, "leader");
  assert.equal(keeper.current(), null, "no claims before the old runs are ended");
  const firstExpiry = db.lease.expiresAt;
  await timers.advance(TTL * 2);
  assert.notEqual(db.lease.expiresAt, firstExpiry, "renewed meanwhile");
  assert.equal(keeper.view().role, "leader");
  release();
  await timers.settle();
  assert.deepEqual(keeper.current(), { holder: "a", term: 1 });
  assert.equal(db.runs[0]!.state, "abandoned");
  await keeper.stop();
});
