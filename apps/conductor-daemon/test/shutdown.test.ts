import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import test from "node:test";
import { createSilentLogger } from "../src/logger.js";
import { waitForShutdown } from "../src/shutdown.js";

const logger = createSilentLogger();

test("the first signal stops and resolves 0, then the listeners are gone", async () => {
  const signals = new EventEmitter();
  let stops = 0;
  const done = waitForShutdown({ signals, logger, stop: async () => void (stops += 1) });
  signals.emit("SIGINT", "SIGINT");
  assert.equal(await done, 0);
  assert.equal(stops, 1);
  assert.equal(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM"), 0);
});

test("a second signal during a slow stop resolves 1 at once", async () => {
  const signals = new EventEmitter();
  const done = waitForShutdown({ signals, logger, stop: () => new Promise(() => {}) });
  signals.emit("SIGTERM", "SIGTERM");
  signals.emit("SIGTERM", "SIGTERM");
  assert.equal(await done, 1);
});

test("a missed deadline or a failing stop resolves 1", async () => {
  const late = new EventEmitter();
  const lateDone = waitForShutdown({ signals: late, logger, deadlineMs: 20, stop: () => new Promise(() => {}) });
  late.emit("SIGTERM", "SIGTERM");
  assert.equal(await lateDone, 1);

  const failing = new EventEmitter();
  const failDone = waitForShutdown({ signals: failing, logger, stop: async () => Promise.reject(new Error("boom")) });
  failing.emit("SIGTERM", "SIGTERM");
  assert.equal(await failDone, 1);
});
