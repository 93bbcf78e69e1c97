import assert from "node:assert/strict";
import test from "node:test";
import { openControlStore, type ControlStore } from "@baa/control-store";
import { createSilentLogger } from "../../src/logger.js";
import { ScheduleLoop } from "../../src/schedules/schedule-loop.js";
import { nextFireAfter } from "../../src/schedules/cron-schedule.js";
import { ManualTimers } from "@baa/clock/testing";
import { makeTempDir } from "@baa/test-support";

const SCOPE = "scheduler";

/** A real SQLite store on the fake clock, this node leading it, and the loop. */
async function setup(t: test.TestContext): Promise<{
  store: ControlStore;
  timers: ManualTimers;
  loop: ScheduleLoop;
  leading: { on: boolean };
  woken: string[];
}> {
  const dir = makeTempDir("schedule-loop-");
  const timers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00.500Z") });
  const store = await openControlStore({ stateDir: dir.root, now: () => timers.wallNow() });
  const lease = await store.acquireLease({ scope: SCOPE, holder: "me", ttlMs: 3_600_000 });
  const leading = { on: true };
  const woken: string[] = [];
  const loop = new ScheduleLoop({
    store,
    scope: SCOPE,
    leadership: { current: () => (leading.on ? { holder: "me", term: lease!.term } : null) },
    onTask: (taskId) => woken.push(taskId),
    pollMs: 1_000,
    timers,
    logger: createSilentLogger()
  });
  t.after(async () => {
    await loop.stop();
    await store.close();
    dir.remove();
  });
  return { store, timers, loop, leading, woken };
}

async function createEvery2s(store: ControlStore, timers: ManualTimers, catchUp: "one" | "none") {
  const now = new Date(timers.wallNow()).toISOString();
  return store.createSchedule({
    name: "every 2 s",
    cron: "*/2 * * * * *",
    timezone: "UTC",
    catchUp,
    task: { title: "tick", prompt: "p" },
    nextFireAt: nextFireAfter("*/2 * * * * *", "UTC", now)!
  });
}

async function firedTimes(store: ControlStore): Promise<string[]> {
  const { tasks } = await store.listTasks({ limit: 500 });
  return tasks.map((task) => task.scheduledFor!).sort();
}

test("the leader fires a 2-second schedule once per fire time, on its fake clock", async (t) => {
  const { store, timers, loop, woken } = await setup(t);
  await createEvery2s(store, timers, "one");
  loop.start();
  await timers.advance(10_000);
  const times = await firedTimes(store);
  assert.deepEqual(times, [
    "2030-01-01T00:00:02.000Z",
    "2030-01-01T00:00:04.000Z",
    "2030-01-01T00:00:06.000Z",
    "2030-01-01T00:00:08.000Z",
    "2030-01-01T00:00:10.000Z"
  ]);
  assert.equal(woken.length, 5, "the claim loop is woken for each task");
  // Extra passes at the same instant change nothing.
  assert.deepEqual(await loop.tick(), []);
  assert.equal((await firedTimes(store)).length, 5);
});

test("a node that does not lead fires nothing; after a gap `one` creates the latest missed fire only", async (t) => {
  const { store, timers, loop, leading } = await setup(t);
  const schedule = await createEvery2s(store, timers, "one");
  leading.on = false;
  loop.start();
  await timers.advance(30_000);
  assert.deepEqual(await firedTimes(store), []);
  leading.on = true;
  await timers.advance(1_000);
  assert.deepEqual(await firedTimes(store), ["2030-01-01T00:00:30.000Z"]);
  const after = await store.getSchedule(schedule.scheduleId);
  assert.equal(after?.lastFireAt, "2030-01-01T00:00:30.000Z");
  assert.equal(after?.nextFireAt, "2030-01-01T00:00:32.000Z");
});

test("after a gap `none` skips the missed fires and fires the next one on time", async (t) => {
  const { store, timers, loop, leading } = await setup(t);
  const now = new Date(timers.wallNow()).toISOString();
  await store.createSchedule({
    name: "every 10 s",
    cron: "*/10 * * * * *",
    timezone: "UTC",
    catchUp: "none",
    task: { title: "tick", prompt: "p" },
    nextFireAt: nextFireAfter("*/10 * * * * *", "UTC", now)!
  });
  leading.on = false;
  loop.start();
  await timers.advance(36_000);
  leading.on = true;
  // 36.5 s: the fires at 10, 20 and 30 s were missed (30 s is more than the grace ago).
  await timers.advance(1_000);
  assert.deepEqual(await firedTimes(store), []);
  await timers.advance(4_000);
  assert.deepEqual(await firedTimes(store), ["2030-01-01T00:00:40.000Z"]);
});

test("a paused schedule does not fire; resumed, it fires from the next time after now", async (t) => {
  const { store, timers, loop } = await setup(t);
  const schedule = await createEvery2s(store, timers, "one");
  await store.setSchedulePaused(schedule.scheduleId, true, null);
  loop.start();
  await timers.advance(10_000);
  assert.deepEqual(await firedTimes(store), []);
  const now = new Date(timers.wallNow()).toISOString();
  await store.setSchedulePaused(
    schedule.scheduleId,
    false,
    nextFireAfter(schedule.cron, schedule.timezone, now)
  );
  loop.wake();
  await timers.advance(2_000);
  assert.deepEqual(await firedTimes(store), ["2030-01-01T00:00:12.000Z"]);
});
