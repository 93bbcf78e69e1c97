import assert from "node:assert/strict";
import test from "node:test";
import type { ClaimedRun, RunRecord, TaskRecord } from "@baa/control-store";
import { createSilentLogger } from "../../src/logger.js";
import { Scheduler, type RunHandle } from "../../src/scheduler/scheduler.js";
import { ManualTimers } from "@baa/clock/testing";

function claimOf(n: number): ClaimedRun {
  return {
    task: { taskId: `task-${n}` } as TaskRecord,
    run: { runId: `run-${n}`, taskId: `task-${n}`, attempt: 1, owner: "me", term: 1 } as RunRecord
  };
}

function setup(options: { leader?: boolean; open?: boolean; max?: number; queued?: number } = {}) {
  const timers = new ManualTimers();
  let queued = options.queued ?? 5;
  let n = 0;
  const claimCalls: { limit: number; term: number }[] = [];
  const runs = new Map<string, { finish(): void; stops: string[] }>();
  const state = { leader: options.leader ?? true, open: options.open ?? true, failClaims: false };
  const scheduler = new Scheduler({
    store: {
      async claimTasks({ limit, term }) {
        claimCalls.push({ limit, term });
        if (state.failClaims) throw new Error("store down");
        const take = Math.min(limit, queued);
        queued -= take;
        return Array.from({ length: take }, () => claimOf(++n));
      }
    },
    scope: "scheduler",
    leadership: { current: () => (state.leader ? { holder: "me", term: 1 } : null) },
    gate: { mayClaim: () => state.open },
    maxConcurrent: options.max ?? 2,
    pollIntervalMs: 1000,
    timers,
    logger: createSilentLogger(),
    execute(claim): RunHandle {
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      const entry = { finish, stops: [] as string[] };
      runs.set(claim.run.runId, entry);
      return {
        done,
        stop: (why) => {
          entry.stops.push(why);
          finish();
        }
      };
    }
  });
  return { timers, scheduler, claimCalls, runs, state, addQueued: (k: number) => (queued += k) };
}

test("claims up to the concurrency limit and claims again when a run ends", async () => {
  const { timers, scheduler, claimCalls, runs } = setup({ max: 2, queued: 3 });
  scheduler.start();
  await timers.advance(0);
  assert.equal(scheduler.activeCount, 2);
  assert.deepEqual(claimCalls[0], { limit: 2, term: 1 });
  await timers.advance(5000);
  assert.equal(runs.size, 2, "no slot free: no more runs");
  runs.get("run-1")!.finish();
  await timers.advance(0);
  assert.equal(runs.size, 3, "the freed slot was filled at once (woken, not polled)");
  assert.deepEqual(claimCalls.at(-1), { limit: 1, term: 1 });
  await scheduler.stop();
});

test("claims nothing while not leading or while the gate is closed", async () => {
  const { timers, scheduler, claimCalls, state } = setup();
  state.leader = false;
  scheduler.start();
  await timers.advance(3000);
  assert.equal(claimCalls.length, 0);
  state.leader = true;
  state.open = false;
  await timers.advance(3000);
  assert.equal(claimCalls.length, 0, "paused, draining or quota-paused");
  state.open = true;
  await timers.advance(1000);
  assert.equal(claimCalls.length, 1);
  await scheduler.stop();
});

test("a failing store is retried at the next poll", async () => {
  const { timers, scheduler, claimCalls, state } = setup();
  state.failClaims = true;
  scheduler.start();
  await timers.advance(0);
  assert.equal(claimCalls.length, 1);
  state.failClaims = false;
  await timers.advance(1000);
  assert.equal(claimCalls.length, 2);
  assert.equal(scheduler.activeCount, 2);
  await scheduler.stop();
});

test("onLead runs before the first claim of each term and every 30 s; cancel and stop reach the local runs", async () => {
  const timers = new ManualTimers();
  const led: number[] = [];
  let term = 1;
  const stops: string[] = [];
  const scheduler = new Scheduler({
    store: {
      claimTasks: async ({ limit }) =>
        limit > 0 && stops.length === 0 && led.length === 1 ? [claimOf(1)] : []
    },
    scope: "s",
    leadership: { current: () => ({ holder: "me", term }) },
    gate: { mayClaim: () => true },
    onLead: async (lease) => void led.push(lease.term),
    maxConcurrent: 1,
    pollIntervalMs: 100,
    timers,
    logger: createSilentLogger(),
    execute() {
      let finish!: () => void;
      const done = new Promise<void>((resolve) => (finish = resolve));
      return { done, stop: (why) => (stops.push(why), finish()) };
    }
  });
  scheduler.start();
  await timers.advance(500);
  assert.deepEqual(led, [1]);
  assert.equal(scheduler.cancel("task-1", "by request"), true);
  assert.equal(scheduler.cancel("task-9", "by request"), false);
  await timers.advance(0);
  term = 2;
  await timers.advance(100);
  assert.deepEqual(led, [1, 2]);
  await timers.advance(30_000);
  assert.deepEqual(led, [1, 2, 2], "and again every 30 s under the same term");
  await scheduler.stop();
  assert.deepEqual(stops, ["cancel"]);
});

test("stop abandons every local run and waits for it", async () => {
  const { timers, scheduler, runs } = setup({ max: 3, queued: 3 });
  scheduler.start();
  await timers.advance(0);
  await scheduler.stop();
  assert.deepEqual(
    [...runs.values()].map((r) => r.stops),
    [["abandon"], ["abandon"], ["abandon"]]
  );
});
