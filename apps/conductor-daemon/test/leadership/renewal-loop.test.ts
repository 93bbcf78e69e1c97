import assert from "node:assert/strict";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { DeadlineError } from "../../src/deadline.js";
import { RenewalLoop } from "../../src/leadership/renewal-loop.js";

/**
 * A loop whose attempt is scripted per call: `work(i)` gives the work of the i-th attempt and
 * `waitMs(i)` the wait after it (null: the attempt schedules nothing); `attempts` records when each began.
 */
function setup(
  script: { work?: (i: number) => Promise<void>; waitMs?: (i: number) => number | null } = {},
  options: { attemptTimeoutMs?: number; retryMs?: number } = {}
) {
  const timers = new ManualTimers();
  const attempts: number[] = [];
  const failures: unknown[] = [];
  const settled: ("ok" | "error")[] = [];
  let active = 0;
  let maxActive = 0;
  const loop: RenewalLoop = new RenewalLoop({
    timers,
    attempt: async () => {
      const i = attempts.length;
      attempts.push(timers.now());
      active += 1;
      maxActive = Math.max(maxActive, active);
      try {
        await loop.bound(script.work?.(i) ?? Promise.resolve());
        settled.push("ok");
      } catch (error) {
        if (!(error instanceof DeadlineError)) throw error;
        settled.push("error");
      } finally {
        active -= 1;
      }
      const wait = script.waitMs === undefined ? 100 : script.waitMs(i);
      if (wait !== null) loop.scheduleNext(wait);
    },
    attemptTimeoutMs: options.attemptTimeoutMs ?? 500,
    what: "test attempt",
    retryMs: options.retryMs ?? 70,
    onFailed: (error) => failures.push(error)
  });
  return { timers, loop, attempts, failures, settled, maxActive: () => maxActive };
}

test("start runs the first attempt at once and each next one after the wait it asked for", async () => {
  const waits = [100, 250, 40, 100];
  const { timers, loop, attempts } = setup({ waitMs: (i) => waits[i] ?? 100 });
  assert.equal(loop.running, false);
  loop.start();
  loop.start();
  assert.equal(loop.running, true);
  assert.deepEqual(timers.scheduled(), [0], "a second start schedules nothing more");
  await timers.advance(0);
  assert.deepEqual(attempts, [0]);
  await timers.advance(400);
  assert.deepEqual(attempts, [0, 100, 350, 390]);
  await loop.stop();
  assert.equal(loop.running, false);
  assert.equal(timers.pendingCount, 0);
});

test("one attempt at a time: a slow attempt delays the next, it does not overlap it", async () => {
  const { timers, loop, attempts, maxActive } = setup({
    work: (i) =>
      i === 1 ? new Promise<void>((resolve) => timers.setTimeout(resolve, 300)) : Promise.resolve()
  });
  loop.start();
  await timers.advance(1000);
  assert.deepEqual(attempts.slice(0, 4), [0, 100, 500, 600]);
  assert.equal(maxActive(), 1);
  await loop.stop();
});

test("an attempt's work is bounded by the deadline; a hung one gives up with a DeadlineError", async () => {
  const { timers, loop, attempts, settled } = setup(
    { work: (i) => (i === 0 ? new Promise<void>(() => {}) : Promise.resolve()) },
    { attemptTimeoutMs: 500 }
  );
  loop.start();
  await timers.advance(499);
  assert.deepEqual(settled, []);
  await timers.advance(1);
  assert.deepEqual(settled, ["error"]);
  await timers.advance(100);
  assert.deepEqual(attempts, [0, 600]);
  await loop.stop();
});

test("an attempt that throws is reported and retried after retryMs", async () => {
  const { timers, loop, attempts, failures } = setup(
    { work: (i) => (i === 0 ? Promise.reject(new Error("bug")) : Promise.resolve()) },
    { retryMs: 70 }
  );
  loop.start();
  await timers.advance(0);
  assert.equal(failures.length, 1);
  assert.equal((failures[0] as Error).message, "bug");
  await timers.advance(70);
  assert.deepEqual(attempts, [0, 70]);
  await loop.stop();
});

test("stop cancels the next attempt and waits for the one in flight", async () => {
  let finish: () => void = () => {};
  const { timers, loop, attempts, settled } = setup({
    work: (i) => (i === 1 ? new Promise<void>((resolve) => (finish = resolve)) : Promise.resolve())
  });
  loop.start();
  await timers.advance(100);
  assert.deepEqual(attempts, [0, 100]);
  let stopped = false;
  const stopping = loop.stop().then(() => (stopped = true));
  await timers.settle();
  assert.equal(stopped, false, "waits for the attempt in flight");
  finish();
  await stopping;
  assert.deepEqual(settled, ["ok", "ok"]);
  assert.equal(timers.pendingCount, 0, "the attempt that ended after stop scheduled nothing");
  await timers.advance(1000);
  assert.deepEqual(attempts, [0, 100]);
});

test("the deadline fires at its time, a new one replaces it, null and stop take it away", async () => {
  const { timers, loop } = setup({ waitMs: () => null });
  const fired: string[] = [];
  loop.armDeadline(50, () => fired.push("before start"));
  assert.equal(timers.pendingCount, 0, "not armed while stopped");
  loop.start();
  await timers.advance(0);
  loop.armDeadline(300, () => fired.push("first"));
  loop.armDeadline(200, () => fired.push("second"));
  await timers.advance(199);
  assert.deepEqual(fired.slice(), []);
  await timers.advance(1);
  assert.deepEqual(fired.slice(), ["second"]);
  await timers.advance(200);
  assert.deepEqual(fired.slice(), ["second"], "the replaced one never fires");
  loop.armDeadline(timers.now() - 10, () => fired.push("past"));
  await timers.advance(0);
  assert.deepEqual(fired.slice(), ["second", "past"], "a deadline already passed fires at once");
  loop.armDeadline(timers.now() + 100, () => fired.push("cleared"));
  loop.armDeadline(null, () => fired.push("never"));
  assert.equal(timers.pendingCount, 0, "nothing waits: no attempt asked for a next one");
  loop.armDeadline(timers.now() + 100, () => fired.push("stopped"));
  await loop.stop();
  await timers.advance(1000);
  assert.deepEqual(fired.slice(), ["second", "past"]);
});
