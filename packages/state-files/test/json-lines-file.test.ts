import assert from "node:assert/strict";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { JsonLinesFile } from "../src/json-lines-file.js";
import { removeStaleTempFiles, writeJsonAtomic } from "../src/atomic-json.js";

test("appending after a torn last line starts a fresh line", () => {
  const dir = mkdtempSync(join(tmpdir(), "jsonl-"));
  try {
    const path = join(dir, "log.jsonl");
    appendFileSync(path, '{"seq":1}\n{"seq":2,"ty');
    const file = new JsonLinesFile(path);
    file.append({ seq: 3 });
    file.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(JSON.parse(lines[2] as string), { seq: 3 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stale temp files of killed writers are removed, real files kept", () => {
  const dir = mkdtempSync(join(tmpdir(), "jsonl-"));
  try {
    writeJsonAtomic(join(dir, "a.json"), { a: 1 });
    appendFileSync(join(dir, ".a.json.123.1.tmp"), "{");
    assert.equal(removeStaleTempFiles(dir), 1);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "a.json"), "utf8")), { a: 1 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
