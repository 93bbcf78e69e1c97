import assert from "node:assert/strict";
import test from "node:test";
import type { HeldLease, TaskRecord } from "@baa/control-store";
import pino from "pino";
import { LandQueueProcessor } from "../../src/land-queue/land-queue-processor.js";
import type { StepOutcome } from "../../src/land-queue/queue-step.js";
import { ManualTimers } from "@baa/clock/testing";

const TTL = 3_000;

/** The queue and lease rows in memory, on the test's clock: what two nodes share. */
class SharedStore {
  queue: TaskRecord[] = [];
  leases = new Map<string, { holder: string | null; term: number; expiresAt: number }>();
  /** Renewals refused while set (the store lost our row to a takeover). */
  refuseRenewals = false;

  constructor(readonly timers: ManualTimers) {}

  add(taskId: string, repo = "/r", target = "main"): void {
    this.queue.push({
      taskId,
      state: "in_review",
      landQueue: { repo, target, method: "rebase", queuedAt: String(this.queue.length) }
    } as TaskRecord);
  }

  view() {
    return {
      listLandQueue: async (filter: { repo?: string; target?: string } = {}) =>
        this.queue.filter(
          (t) =>
            (filter.repo === undefined || t.landQueue?.repo === filter.repo) &&
            (filter.target === undefined || t.landQueue?.target === filter.target)
        ),
      acquireLease: async ({
        scope,
        holder,
        ttlMs
      }: {
        scope: string;
        holder: string;
        ttlMs: number;
      }): Promise<HeldLease | null> => {
        const now = this.timers.now();
        const row = this.leases.get(scope) ?? { holder: null, term: 0, expiresAt: 0 };
        if (row.holder === holder && this.refuseRenewals) return null;
        if (row.holder !== null && row.holder !== holder && row.expiresAt > now) return null;
        const term = row.holder === holder ? row.term : row.term + 1;
        this.leases.set(scope, { holder, term, expiresAt: now + ttlMs });
        return { scope, holder, term, expiresAt: new Date(now + ttlMs).toISOString() };
      },
      releaseLease: async ({ scope, holder, term }: { scope: string; holder: string; term: number }) => {
        const row = this.leases.get(scope);
        if (row?.holder !== holder || row.term !== term) return false;
        this.leases.set(scope, { ...row, holder: null, expiresAt: 0 });
        return true;
      }
    };
  }
}

/** A step the test finishes by hand: each land waits until `finish(outcome)`. */
function manualStep(store: SharedStore, log: string[], active: { now: number; max: number }) {
  const waiting: Array<(outcome: StepOutcome) => void> = [];
  return {
    waiting,
    finish(outcome: StepOutcome) {
      const next = waiting.shift();
      assert.ok(next, "a land is under way");
      next(outcome);
    },
    step: (node: string) => ({
      land: (task: TaskRecord) => {
        log.push(`${node}:${task.taskId}`);
        active.now += 1;
        active.max = Math.max(active.max, active.now);
        return new Promise<StepOutcome>((resolve) =>
          waiting.push((outcome) => {
            active.now -= 1;
            if (outcome !== "retry" && outcome !== "wait")
              store.queue = store.queue.filter((t) => t.taskId !== task.taskId);
            resolve(outcome);
          })
        );
      }
    })
  };
}

function processor(
  store: SharedStore,
  node: string,
  step: { land(task: TaskRecord): Promise<StepOutcome> },
  hasRepo: (repo: string) => boolean = () => true
) {
  return new LandQueueProcessor({
    store: store.view(),
    nodeId: node,
    timers: store.timers,
    pollIntervalMs: 100,
    lockTtlMs: TTL,
    hasRepo,
    step,
    logger: pino({ level: "silent" })
  });
}

test("the queue lands head by head in order, under the target's lock, released when empty", async () => {
  const timers = new ManualTimers();
  const store = new SharedStore(timers);
  const log: string[] = [];
  const active = { now: 0, max: 0 };
  const manual = manualStep(store, log, active);
  for (const id of ["t1", "t2", "t3"]) store.add(id);
  const node = processor(store, "node-a", manual.step("node-a"));
  node.start();
  await timers.settle();
  assert.equal(store.leases.get("land:/r:main")?.holder, "node-a");
  manual.finish("landed");
  await timers.settle();
  manual.finish("sent_back");
  await timers.settle();
  manual.finish("landed");
  await timers.settle();
  assert.deepEqual(log, ["node-a:t1", "node-a:t2", "node-a:t3"]);
  assert.equal(store.leases.get("land:/r:main")?.holder, null, "released once the queue is empty");
  await node.stop();
});

test("two nodes: the second never lands while the first holds the target; it takes over once released", async () => {
  const timers = new ManualTimers();
  const store = new SharedStore(timers);
  const log: string[] = [];
  const active = { now: 0, max: 0 };
  const manual = manualStep(store, log, active);
  store.add("t1");
  store.add("t2");
  store.add("other", "/r", "dev");
  const a = processor(store, "node-a", manual.step("node-a"));
  const b = processor(store, "node-b", manual.step("node-b"));
  a.start();
  await timers.settle();
  b.start();
  // Node b's lock attempt for main fails; it lands dev (another target) meanwhile.
  await timers.advance(350);
  assert.deepEqual(log, ["node-a:t1", "node-b:other"]);
  manual.finish("landed"); // node-a t1
  manual.finish("landed"); // node-b other
  await timers.settle();
  assert.deepEqual(log, ["node-a:t1", "node-b:other", "node-a:t2"]);
  await timers.advance(TTL * 2); // renewals keep node-a's hold through a long land
  assert.equal(store.leases.get("land:/r:main")?.holder, "node-a");
  assert.equal(log.length, 3, "no second land of main meanwhile");
  manual.finish("landed");
  await timers.settle();
  store.add("t3");
  await timers.advance(150);
  assert.equal(log.length, 4);
  manual.finish("landed");
  await timers.settle();
  assert.equal(active.max <= 2, true);
  assert.equal(
    log.filter((entry) => entry.endsWith("t1") || entry.endsWith("t2") || entry.endsWith("t3")).length,
    3
  );
  await Promise.all([a.stop(), b.stop()]);
});

test("a retry lands the same head again; wait stops the queue until the next poll; another node's repository is skipped", async () => {
  const timers = new ManualTimers();
  const store = new SharedStore(timers);
  const log: string[] = [];
  const manual = manualStep(store, log, { now: 0, max: 0 });
  store.add("t1");
  store.add("t2");
  store.add("elsewhere", "/not-here");
  const node = processor(store, "node-a", manual.step("node-a"), (repo) => repo !== "/not-here");
  node.start();
  await timers.settle();
  manual.finish("retry");
  await timers.settle();
  manual.finish("wait");
  await timers.settle();
  assert.deepEqual(log, ["node-a:t1", "node-a:t1"]);
  assert.equal(store.leases.get("land:/r:main")?.holder, null, "a waiting queue gives its lock up");
  await timers.advance(100);
  assert.deepEqual(log, ["node-a:t1", "node-a:t1", "node-a:t1"]);
  manual.finish("landed");
  await timers.settle();
  manual.finish("landed");
  await timers.settle();
  assert.ok(!log.some((entry) => entry.includes("elsewhere")));
  await node.stop();
});

test("a lock whose renewal fails: the current land finishes, no next one starts", async () => {
  const timers = new ManualTimers();
  const store = new SharedStore(timers);
  const log: string[] = [];
  const manual = manualStep(store, log, { now: 0, max: 0 });
  store.add("t1");
  store.add("t2");
  const node = processor(store, "node-a", manual.step("node-a"));
  node.start();
  await timers.settle();
  store.refuseRenewals = true;
  await timers.advance(TTL / 3 + 1);
  manual.finish("landed");
  await timers.settle();
  assert.deepEqual(log, ["node-a:t1"]);
  assert.equal(manual.waiting.length, 0);
  store.refuseRenewals = false;
  await node.stop();
});
