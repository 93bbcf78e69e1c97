import assert from "node:assert/strict";
import { appendFileSync, readFileSync, readdirSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { JsonLinesFile } from "../src/json-lines-file.js";
import { removeStaleTempFiles, writeJsonAtomic } from "../src/atomic-json.js";
import { keepWithinBytes } from "../src/byte-budget.js";
import { errnoError, FaultInjectingFs } from "../src/testing/fault-injecting-fs.js";
import { nodeStateFs, type StateFs } from "../src/state-fs.js";

test("appending after a torn last line starts a fresh line", () => {
  const dir = makeTempDir("jsonl-");
  try {
    const path = dir.path("log.jsonl");
    appendFileSync(path, '{"seq":1}\n{"seq":2,"ty');
    const file = new JsonLinesFile(path);
    file.append({ seq: 3 });
    file.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    assert.equal(lines.length, 3);
    assert.deepEqual(JSON.parse(lines[2] as string), { seq: 3 });
  } finally {
    dir.remove();
  }
});

test("stale temp files of killed writers are removed, real files kept", () => {
  const dir = makeTempDir("jsonl-");
  try {
    writeJsonAtomic(dir.path("a.json"), { a: 1 });
    appendFileSync(dir.path(".a.json.123.1.tmp"), "{");
    assert.equal(removeStaleTempFiles(dir.root), 1);
    assert.deepEqual(JSON.parse(readFileSync(dir.path("a.json"), "utf8")), { a: 1 });
  } finally {
    dir.remove();
  }
});

test("a failed append throws; once the disk has room, the next append starts on a line of its own", () => {
  const dir = makeTempDir("jsonl-");
  try {
    const path = dir.path("log.jsonl");
    // A disk that fills up in the middle of a write: half the line lands, then ENOSPC.
    let full = false;
    const fs: StateFs = {
      ...nodeStateFs,
      openAppend: (p) => {
        const target = nodeStateFs.openAppend(p);
        return {
          write: (text) => {
            if (!full) return target.write(text);
            target.write(text.slice(0, 5));
            throw errnoError("ENOSPC", "write", p);
          },
          close: () => target.close()
        };
      }
    };
    const file = new JsonLinesFile(path, { fs });
    file.append({ seq: 1 });
    full = true;
    assert.throws(() => file.append({ seq: 2 }), /ENOSPC/);
    full = false;
    file.append({ seq: 3 });
    file.close();
    const lines = readFileSync(path, "utf8").trimEnd().split("\n");
    assert.deepEqual(
      lines,
      ['{"seq":1}', '{"seq', '{"seq":3}'],
      "the torn line stands alone, readers skip it"
    );
  } finally {
    dir.remove();
  }
});

test("writeJsonAtomic through a full disk throws and leaves the old file and no temp file", () => {
  const dir = makeTempDir("jsonl-");
  try {
    const path = dir.path("a.json");
    writeJsonAtomic(path, { a: 1 });
    const fs = new FaultInjectingFs();
    fs.failWrites("ENOSPC");
    assert.throws(
      () => writeJsonAtomic(path, { a: 2 }, { fs }),
      (e: NodeJS.ErrnoException) => e.code === "ENOSPC"
    );
    assert.deepEqual(JSON.parse(readFileSync(path, "utf8")), { a: 1 });
    assert.deepEqual(readdirSync(dir.root), ["a.json"]);
  } finally {
    dir.remove();
  }
});

test("keepWithinBytes drops the oldest droppable items until the list fits", () => {
  const items = [
    { id: 1, keep: false, pad: "x".repeat(50) },
    { id: 2, keep: true, pad: "x".repeat(50) },
    { id: 3, keep: false, pad: "x".repeat(50) },
    { id: 4, keep: false, pad: "x".repeat(50) }
  ];
  const one = Buffer.byteLength(JSON.stringify(items[0])) + 1;
  const result = keepWithinBytes(items, { maxBytes: one * 2, droppable: (i) => !i.keep });
  assert.deepEqual(
    result.kept.map((i) => i.id),
    [2, 4]
  );
  assert.deepEqual(
    result.dropped.map((i) => i.id),
    [1, 3]
  );
  assert.ok(result.bytes <= one * 2);
  const protectedOnly = keepWithinBytes(items, { maxBytes: 1, droppable: (i) => !i.keep });
  assert.deepEqual(
    protectedOnly.kept.map((i) => i.id),
    [2],
    "protected items stay even over budget"
  );
});
