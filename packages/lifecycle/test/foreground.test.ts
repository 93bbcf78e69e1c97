import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import test from "node:test";
import { runInForeground, type SignalSource } from "../src/index.js";

function recordingLogger() {
  const lines: { level: string; message: string }[] = [];
  const at = (level: string) => (_fields: object, message: string) => void lines.push({ level, message });
  return { logger: { info: at("info"), warn: at("warn"), error: at("error") }, lines };
}

function fakeService(options: { startFails?: boolean; stopFails?: boolean } = {}) {
  const calls: string[] = [];
  return {
    calls,
    start: async () => {
      calls.push("start");
      if (options.startFails) throw new Error("port taken");
    },
    stop: async () => {
      calls.push("stop");
      if (options.stopFails) throw new Error("already closed");
    }
  };
}

test("a started service runs until a signal and is stopped once: exit 0", async () => {
  const signals = new EventEmitter();
  const { logger } = recordingLogger();
  const service = fakeService();
  const started: unknown[] = [];
  const code = runInForeground({
    name: "svc",
    create: () => service,
    signals: signals as unknown as SignalSource,
    logger,
    deadlineMs: 1_000,
    onStarted: (running) => {
      started.push(running);
      // A real signal arrives on a later tick, once the shutdown listeners are in place.
      setImmediate(() => signals.emit("SIGTERM", "SIGTERM"));
    }
  });
  assert.equal(await code, 0);
  assert.deepEqual(started, [service]);
  assert.deepEqual(service.calls, ["start", "stop"]);
});

test("a failed start is logged, reported, stopped (a failing stop is logged too) and exits 1", async () => {
  const { logger, lines } = recordingLogger();
  const service = fakeService({ startFails: true, stopFails: true });
  const reported: string[] = [];
  const code = await runInForeground({
    name: "svc",
    create: () => service,
    signals: new EventEmitter() as unknown as SignalSource,
    logger,
    deadlineMs: 1_000,
    onStarted: () => assert.fail("not started"),
    onStartFailed: (error) => reported.push((error as Error).message)
  });
  assert.equal(code, 1);
  assert.deepEqual(service.calls, ["start", "stop"]);
  assert.deepEqual(reported, ["port taken"]);
  assert.deepEqual(lines, [
    { level: "error", message: "svc failed to start" },
    { level: "warn", message: "stop after a failed start failed" }
  ]);
});

test("a service that cannot be built is a failed start with nothing to stop", async () => {
  const { logger, lines } = recordingLogger();
  const code = await runInForeground({
    name: "svc",
    create: (): ReturnType<typeof fakeService> => {
      throw new Error("bad state dir");
    },
    signals: new EventEmitter() as unknown as SignalSource,
    logger,
    deadlineMs: 1_000
  });
  assert.equal(code, 1);
  assert.deepEqual(lines, [{ level: "error", message: "svc failed to start" }]);
});
