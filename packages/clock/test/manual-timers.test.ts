import assert from "node:assert/strict";
import test from "node:test";
import { ManualTimers } from "../src/testing/index.js";

test("advance fires due timers in due order, including ones scheduled while advancing", async () => {
  const timers = new ManualTimers();
  const fired: string[] = [];
  timers.setTimeout(() => fired.push(`b@${timers.now()}`), 20);
  timers.setTimeout(() => {
    fired.push(`a@${timers.now()}`);
    timers.setTimeout(() => fired.push(`c@${timers.now()}`), 5);
  }, 10);
  timers.setTimeout(() => fired.push("late"), 100);
  await timers.advance(30);
  assert.deepEqual(fired, ["a@10", "c@15", "b@20"]);
  assert.equal(timers.now(), 30);
  assert.deepEqual(timers.pending(), [70]);
});

test("a cleared timer never fires; fireNext jumps to the soonest", () => {
  const timers = new ManualTimers({ startMs: 5 });
  const fired: number[] = [];
  const cleared = timers.setTimeout(() => fired.push(1), 1);
  timers.setTimeout(() => fired.push(2), 50);
  timers.clearTimeout(cleared);
  assert.equal(timers.pendingCount, 1);
  assert.equal(timers.fireNext(), true);
  assert.deepEqual(fired, [2]);
  assert.equal(timers.now(), 55);
  assert.equal(timers.fireNext(), false);
});

test("fire(ms) fires by scheduled delay without moving the clock; wallNow follows now", async () => {
  const timers = new ManualTimers({ epochMs: 1_000_000 });
  const fired: number[] = [];
  timers.setTimeout(() => fired.push(100), 100);
  timers.setTimeout(() => fired.push(200), 200);
  const waiting = timers.waitForPending(3);
  timers.setTimeout(() => fired.push(101), 100);
  await waiting;
  assert.deepEqual(timers.scheduled(), [100, 200, 100]);
  assert.equal(timers.fire(100), 2);
  assert.deepEqual(fired, [100, 101]);
  assert.equal(timers.now(), 0);
  await timers.advance(250);
  assert.equal(timers.wallNow(), 1_000_250);
});

test("advance lets a promise chain started by a timer schedule the next timer", async () => {
  const timers = new ManualTimers();
  const ticks: number[] = [];
  const loop = async () => {
    ticks.push(timers.now());
    await Promise.resolve();
    if (ticks.length < 3) timers.setTimeout(() => void loop(), 10);
  };
  timers.setTimeout(() => void loop(), 10);
  await timers.advance(40);
  assert.deepEqual(ticks, [10, 20, 30]);
});

test("jump moves the clock without firing; a timer it passed fires at the next advance", async () => {
  const timers = new ManualTimers();
  const fired: number[] = [];
  timers.setTimeout(() => fired.push(timers.now()), 10);
  timers.jump(25);
  assert.equal(timers.now(), 25);
  assert.deepEqual(fired, []);
  assert.deepEqual(timers.pending(), [-15]);
  await timers.advance(0);
  assert.deepEqual(fired, [25]);
});
