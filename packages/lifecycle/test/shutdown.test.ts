import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { waitForShutdown } from "../src/index.js";

// Signals from an emitter, the deadline on a manual timer: nothing here waits on the clock.

function recordingLogger() {
  const lines: { level: string; message: string; fields: object }[] = [];
  const at = (level: string) => (fields: object, message: string) =>
    void lines.push({ level, message, fields });
  return { logger: { info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

test("one signal stops the service and exits 0; the listeners are removed", async () => {
  const signals = new EventEmitter();
  const timers = new ManualTimers();
  const { logger, lines } = recordingLogger();
  const stopped = deferred();
  let stops = 0;
  const stop = () => {
    stops += 1;
    return stopped.promise;
  };
  const code = waitForShutdown({ signals: signals as never, logger, deadlineMs: 15_000, timers, stop });
  signals.emit("SIGINT", "SIGINT");
  assert.equal(stops, 1);
  assert.deepEqual(timers.scheduled(), [15_000]);
  stopped.resolve();
  assert.equal(await code, 0);
  assert.equal(timers.pendingCount, 0, "the deadline is cleared");
  assert.equal(signals.listenerCount("SIGINT") + signals.listenerCount("SIGTERM"), 0);
  assert.deepEqual(
    lines.map((l) => l.message),
    ["signal received: stopping"]
  );
});

test("a second signal exits 1 at once", async () => {
  const signals = new EventEmitter();
  const { logger, lines } = recordingLogger();
  const code = waitForShutdown({
    signals: signals as never,
    logger,
    deadlineMs: 15_000,
    timers: new ManualTimers(),
    stop: () => deferred().promise
  });
  signals.emit("SIGTERM", "SIGTERM");
  signals.emit("SIGINT", "SIGINT");
  assert.equal(await code, 1);
  assert.equal(lines.at(-1)?.message, "second signal: exiting at once");
});

test("a missed deadline or a failed stop exits 1", async () => {
  const signals = new EventEmitter();
  const manual = new ManualTimers();
  const { logger, lines } = recordingLogger();
  const late = waitForShutdown({
    signals: signals as never,
    logger,
    deadlineMs: 10,
    timers: manual,
    stop: () => deferred().promise
  });
  signals.emit("SIGTERM", "SIGTERM");
  manual.fire();
  assert.equal(await late, 1);
  assert.equal(lines.at(-1)?.message, "shutdown deadline passed");

  const failing = new EventEmitter();
  const failed = waitForShutdown({
    signals: failing as never,
    logger,
    deadlineMs: 10,
    timers: new ManualTimers(),
    stop: async () => Promise.reject(new Error("disk gone"))
  });
  failing.emit("SIGTERM", "SIGTERM");
  assert.equal(await failed, 1);
  assert.equal(lines.at(-1)?.message, "shutdown failed");
});
