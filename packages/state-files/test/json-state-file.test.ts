import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { JsonStateFile } from "../src/json-state-file.js";

const read = (path: string) => JSON.parse(readFileSync(path, "utf8"));

test("a burst of saves becomes one write of the newest value", async () => {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 5 });
    for (let n = 1; n <= 50; n += 1) file.save({ n });
    await file.settled();
    assert.deepEqual(read(file.path), { n: 50 });
    assert.deepEqual(readdirSync(dir), ["s.json"], "no temp file left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("settled() waits for a save made while an earlier write is in flight, and order holds", async () => {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 60_000 });
    file.save({ n: 1 }, { urgent: true }); // its write is now in flight
    file.save({ n: 2 }); // would wait a minute on its own
    await file.settled();
    assert.deepEqual(read(file.path), { n: 2 });
    for (let n = 3; n <= 20; n += 1) file.save({ n }, { urgent: n % 3 === 0 });
    await file.settled();
    assert.deepEqual(read(file.path), { n: 20 }, "the newest value, never an older one after it");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("flushSync writes what is pending at once (shutdown)", () => {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 60_000 });
    file.save({ n: 7 });
    file.flushSync();
    assert.deepEqual(read(file.path), { n: 7 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("urgent saves skip the coalescing delay", async () => {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 60_000, durable: false });
    file.save({ n: 1 }, { urgent: true });
    await file.settled();
    assert.deepEqual(read(file.path), { n: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
