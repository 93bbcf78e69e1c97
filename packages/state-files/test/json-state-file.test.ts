import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { eventually } from "@baa/test-support";
import { FaultInjectingFs } from "../src/testing/fault-injecting-fs.js";
import { JsonStateFile } from "../src/json-state-file.js";
import { StateWriteError } from "../src/state-write-error.js";
import { WriteHealth } from "../src/write-health.js";
import { recordingLogger } from "./support/recording-logger.js";

const read = (path: string) => JSON.parse(readFileSync(path, "utf8"));

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  const logger = recordingLogger();
  const timers = new ManualTimers();
  const health = new WriteHealth({ logger, now: () => timers.now() });
  const fs = new FaultInjectingFs();
  return { dir, logger, timers, health, fs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test("a burst of saves becomes one write of the newest value", async () => {
  const { dir, health, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 5, health });
    for (let n = 1; n <= 50; n += 1) file.save({ n });
    await file.written();
    assert.deepEqual(read(file.path), { n: 50 });
    assert.deepEqual(readdirSync(dir), ["s.json"], "no temp file left");
  } finally {
    cleanup();
  }
});

test("written() waits for a save made while an earlier write is in flight, and order holds", async () => {
  const { dir, health, timers, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 60_000, health, timers });
    file.save({ n: 1 }, { urgent: true }); // its write is now in flight
    file.save({ n: 2 }); // would wait a minute on its own
    await file.written();
    assert.deepEqual(read(file.path), { n: 2 });
    for (let n = 3; n <= 20; n += 1) file.save({ n }, { urgent: n % 3 === 0 });
    await file.settled();
    assert.deepEqual(read(file.path), { n: 20 }, "the newest value, never an older one after it");
  } finally {
    cleanup();
  }
});

test("flushSync writes what is pending at once (shutdown)", () => {
  const { dir, health, timers, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 60_000, health, timers });
    file.save({ n: 7 });
    file.flushSync();
    assert.deepEqual(read(file.path), { n: 7 });
    assert.deepEqual(timers.pending(), [], "no timer left behind");
  } finally {
    cleanup();
  }
});

test("ENOSPC: written() rejects, the failure is logged with file and error, the old file stays, status is degraded", async () => {
  const { dir, health, timers, fs, logger, cleanup } = setup();
  try {
    const path = join(dir, "s.json");
    writeFileSync(path, JSON.stringify({ n: 0 }));
    const file = new JsonStateFile<{ n: number }>(path, {
      health,
      timers,
      fs,
      now: () => timers.now(),
      retry: { baseMs: 100, maxMs: 400 }
    });
    fs.failWrites("ENOSPC");
    file.save({ n: 1 }, { urgent: true });
    const error = await file.written().then(
      () => assert.fail("written() must reject on a full disk"),
      (e: unknown) => e
    );
    assert.ok(error instanceof StateWriteError);
    assert.equal(error.code, "ENOSPC");
    assert.match(error.message, /s\.json.*ENOSPC/);
    assert.deepEqual(read(path), { n: 0 }, "the previous content is untouched");
    assert.deepEqual(readdirSync(dir), ["s.json"], "no temp file left");
    assert.equal(file.failing, true);
    const logged = logger.lines.find((l) => l.message === "state write failed");
    assert.equal(logged?.level, "error");
    assert.equal(logged?.fields.file, path);
    assert.equal((logged?.fields.err as NodeJS.ErrnoException | undefined)?.code, "ENOSPC");
    const report = health.report();
    assert.equal(report.status, "degraded");
    assert.equal(report.failing[0]?.file, path);
    assert.equal(report.failing[0]?.code, "ENOSPC");
    assert.match(report.reasons[0] ?? "", /s\.json cannot be written: ENOSPC/);
    // Readers are not held up by the failing disk.
    await file.settled();
  } finally {
    cleanup();
  }
});

test("a failing write is retried with doubling backoff on the injected timers, and recovers when space returns", async () => {
  const { dir, health, timers, fs, logger, cleanup } = setup();
  try {
    const path = join(dir, "s.json");
    const file = new JsonStateFile<{ n: number }>(path, {
      health,
      timers,
      fs,
      now: () => timers.now(),
      retry: { baseMs: 100, maxMs: 400 }
    });
    fs.failWrites("ENOSPC");
    file.save({ n: 1 }, { urgent: true });
    await file.settled();
    await eventually(() => file.failing, "the file to report failing", { intervalMs: 1 });
    assert.deepEqual(timers.pending(), [100]);
    const delays: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const before = fs.refused;
      assert.ok(timers.fireNext());
      await eventually(
        () => fs.refused > before && timers.pending().length === 1,
        "a refused retry, rescheduled",
        {
          intervalMs: 1
        }
      );
      delays.push(timers.pending()[0] as number);
    }
    assert.deepEqual(delays, [200, 400, 400], "doubling, capped at maxMs");
    // Saves while failing wait for the backoff (no write storm), then the newest value goes.
    const refused = fs.refused;
    file.save({ n: 2 }, { urgent: true });
    file.save({ n: 3 });
    assert.equal(fs.refused, refused);
    fs.heal();
    assert.ok(timers.fireNext());
    await eventually(() => !file.failing, "the file to recover", { intervalMs: 1 });
    await file.settled();
    assert.deepEqual(read(path), { n: 3 });
    assert.equal(health.report().status, "ok");
    assert.ok(logger.lines.some((l) => l.message === "state writes recovered" && l.fields.file === path));
  } finally {
    cleanup();
  }
});

test("probe() retries failing files at once: throws while the disk is full, resolves after", async () => {
  const { dir, health, timers, fs, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), {
      health,
      timers,
      fs,
      now: () => timers.now()
    });
    fs.failWrites("ENOSPC");
    file.save({ n: 1 }, { urgent: true });
    await assert.rejects(file.written(), StateWriteError);
    await assert.rejects(health.probe(), (e: unknown) => e instanceof StateWriteError && e.code === "ENOSPC");
    fs.heal();
    await health.probe();
    assert.equal(health.degraded, false);
    assert.deepEqual(read(file.path), { n: 1 });
  } finally {
    cleanup();
  }
});

test("flushSync on a full disk reports the failure instead of throwing", () => {
  const { dir, health, timers, fs, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), {
      health,
      timers,
      fs,
      delayMs: 60_000
    });
    fs.failWrites("EDQUOT");
    file.save({ n: 1 });
    file.flushSync();
    assert.equal(health.report().failing[0]?.code, "EDQUOT");
    assert.equal(existsSync(file.path), false);
  } finally {
    cleanup();
  }
});

test("a write over the byte budget is made and reported", async () => {
  const { dir, health, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ s: string }>(join(dir, "s.json"), {
      health,
      maxBytes: 100,
      pretty: false
    });
    file.save({ s: "x".repeat(200) }, { urgent: true });
    await file.written();
    assert.equal(health.report().overBudget[0]?.maxBytes, 100);
    file.save({ s: "small" }, { urgent: true });
    await file.written();
    assert.deepEqual(health.report().overBudget, []);
    assert.ok(file.bytes < 100);
  } finally {
    cleanup();
  }
});

test("after a failed flushSync, written() rejects instead of claiming the value is on disk", async () => {
  const { dir, health, timers, fs, cleanup } = setup();
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), {
      health,
      timers,
      fs,
      delayMs: 60_000
    });
    fs.failWrites("ENOSPC");
    file.save({ n: 1 });
    file.flushSync();
    await assert.rejects(file.written(), StateWriteError);
    fs.heal();
    await file.written();
    assert.deepEqual(read(file.path), { n: 1 });
  } finally {
    cleanup();
  }
});

test("probe(files) retries only the files a request depends on", async () => {
  const { dir, health, timers, fs, cleanup } = setup();
  try {
    const a = new JsonStateFile<{ n: number }>(join(dir, "a.json"), { health, timers, fs });
    const b = new JsonStateFile<{ n: number }>(join(dir, "b.json"), { health, timers, fs });
    fs.failWrites("ENOSPC", (path) => path.includes("b.json"));
    a.save({ n: 1 }, { urgent: true });
    b.save({ n: 1 }, { urgent: true });
    await a.written();
    await assert.rejects(b.written(), StateWriteError);
    await health.probe([a.path]);
    await assert.rejects(health.probe([b.path]), StateWriteError);
    await assert.rejects(health.probe(), StateWriteError);
  } finally {
    cleanup();
  }
});
