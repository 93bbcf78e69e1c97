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

test("flush() while a background write runs puts the newest value on disk and it stays there", async () => {
  const dir = mkdtempSync(join(tmpdir(), "state-file-"));
  try {
    const file = new JsonStateFile<{ n: number }>(join(dir, "s.json"), { delayMs: 0 });
    file.save({ n: 1 }, { urgent: true });
    await new Promise((resolve) => setTimeout(resolve, 1)); // the background write has begun
    file.save({ n: 2 });
    file.flush();
    assert.deepEqual(read(file.path), { n: 2 });
    await file.settled();
    assert.deepEqual(read(file.path), { n: 2 }, "the older background write did not land over it");
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
