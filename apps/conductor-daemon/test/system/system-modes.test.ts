import assert from "node:assert/strict";
import test from "node:test";
import { pino } from "pino";
import { createSilentLogger } from "../../src/logger.js";
import { SystemModes } from "../../src/system/system-modes.js";
import { ManualTimers } from "@baa/clock/testing";
import { MemoryLeaseStore } from "../helpers/memory-lease-store.js";

function setup(down = () => false) {
  const timers = new ManualTimers();
  const db = new MemoryLeaseStore(() => timers.wallNow());
  const modes = new SystemModes({
    store: db.view({ down }),
    timers,
    logger: createSilentLogger(),
    refreshEveryMs: 500
  });
  return { timers, db, modes };
}

test("nothing may be claimed before the mode was read, nor while paused or draining", async () => {
  const { modes } = setup();
  assert.equal(modes.mayClaim(), false, "unknown mode: no claims");
  await modes.refresh();
  assert.equal(modes.mayClaim(), true);
  await modes.setMode("paused", "maintenance");
  assert.equal(modes.mayClaim(), false);
  await modes.setMode("draining", null);
  assert.equal(modes.mayClaim(), false);
  await modes.setMode("running", null);
  assert.equal(modes.mayClaim(), true);
});

test("a quota pause stops claims until its reset time", async () => {
  const { timers, modes } = setup();
  await modes.refresh();
  await modes.setQuotaPause(new Date(timers.wallNow() + 1000).toISOString(), "usage limit");
  assert.equal(modes.mayClaim(), false);
  await timers.advance(1001);
  assert.equal(modes.mayClaim(), true, "past the reset time");
});

test("a change made through another node is seen at the next refresh; a store outage keeps the last mode", async () => {
  let down = false;
  const { timers, db, modes } = setup(() => down);
  modes.start();
  await timers.advance(0);
  assert.equal(modes.mayClaim(), true);
  db.system = { ...db.system, mode: "paused" };
  await timers.advance(500);
  assert.equal(modes.mayClaim(), false, "seen within refreshEveryMs");
  down = true;
  db.system = { ...db.system, mode: "running" };
  await timers.advance(1500);
  assert.equal(modes.cached()?.mode, "paused", "the last mode read stays");
  down = false;
  await timers.advance(500);
  assert.equal(modes.mayClaim(), true);
  await modes.stop();
  assert.equal(timers.pendingCount, 0, "no timer left behind");
});

test("one log line per mode change: set here, or seen from another node", async () => {
  const timers = new ManualTimers();
  const db = new MemoryLeaseStore(() => timers.wallNow());
  const lines: { msg: string; mode?: string }[] = [];
  const sink = { write: (line: string) => void lines.push(JSON.parse(line)) };
  const logger = pino({ level: "info" }, sink);
  const modes = new SystemModes({
    store: db.view({ down: () => false }),
    timers,
    logger,
    refreshEveryMs: 500
  });
  await modes.refresh();
  for (const mode of ["paused", "running", "draining", "running"] as const) await modes.setMode(mode, null);
  assert.deepEqual(
    lines.map((line) => `${line.msg}:${line.mode}`),
    [
      "system mode set:paused",
      "system mode set:running",
      "system mode set:draining",
      "system mode set:running"
    ]
  );
  lines.length = 0;
  db.system = { ...db.system, mode: "paused" };
  await modes.refresh();
  assert.deepEqual(
    lines.map((line) => `${line.msg}:${line.mode}`),
    ["system mode changed:paused"]
  );
});
