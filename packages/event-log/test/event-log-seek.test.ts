import assert from "node:assert/strict";
import { statSync, writeFileSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import test from "node:test";
import { makeTempDir, type TempDir } from "@baa/test-support";
import type { CodexdEvent } from "../src/event-log-filter.js";
import { queryEventFiles, type OpenEventFile } from "../src/event-log-query.js";
import type { EventLogFile } from "../src/event-segments.js";

// `after=` seeks: files before the one holding `after` are never opened, and inside a big file
// a binary search starts the scan near `after` instead of at the top. Checked by what is opened
// and read, not by timing.

const line = (seq: number, text = "x") =>
  `${JSON.stringify({ seq, type: "t", at: "2030-01-01T00:00:00.000Z", sessionId: seq % 2 === 0 ? "s-a" : "s-b", threadId: null, turnId: null, data: { text } })}\n`;

function recordingOpen() {
  const opened: string[] = [];
  let bytesRead = 0;
  const openFile: OpenEventFile = async (path) => {
    opened.push(path);
    const handle = await open(path, "r");
    return {
      stat: handle.stat.bind(handle),
      close: handle.close.bind(handle),
      read: (async (buffer: Buffer, offset: number, length: number, position: number | null) => {
        const result = await handle.read(buffer, offset, length, position);
        bytesRead += result.bytesRead;
        return result;
      }) as FileHandle["read"]
    };
  };
  return { openFile, opened, bytesRead: () => bytesRead };
}

/** Writes `segments` files of `perFile` events each (the last is the active file). */
function writeLog(dir: TempDir, segments: number, perFile: number, text = (seq: number) => `event ${seq}`) {
  const files: EventLogFile[] = [];
  let seq = 0;
  for (let f = 0; f < segments; f += 1) {
    const path = dir.path(
      f === segments - 1 ? "events.jsonl" : `events.${String(seq + 1).padStart(12, "0")}.jsonl`
    );
    const firstSeq = seq + 1;
    let body = "";
    for (let i = 0; i < perFile; i += 1) body += line(++seq, text(seq));
    writeFileSync(path, body);
    files.push({ path, firstSeq });
  }
  return { files, lastSeq: seq };
}

test("a query with after= opens only the files from the one holding the next seq", async () => {
  const dir = makeTempDir("event-log-test-");
  try {
    const { files, lastSeq } = writeLog(dir, 10, 100);
    const rec = recordingOpen();
    const page = await queryEventFiles(
      { files: () => ({ generation: 0, files }), lastSeq, open: rec.openFile },
      { after: 650, limit: 20 }
    );
    assert.deepEqual(
      page.events.map((e) => e.seq),
      Array.from({ length: 20 }, (_, i) => 651 + i)
    );
    assert.deepEqual(rec.opened, [files[6]?.path], "only the segment whose seqs start at 601");

    const boundary = recordingOpen();
    const next = await queryEventFiles(
      { files: () => ({ generation: 0, files }), lastSeq, open: boundary.openFile },
      { after: 700, limit: 5 }
    );
    assert.deepEqual(
      next.events.map((e) => e.seq),
      [701, 702, 703, 704, 705]
    );
    assert.deepEqual(boundary.opened, [files[7]?.path], "after=700 starts in the segment that begins at 701");
  } finally {
    dir.remove();
  }
});

test("inside a big file the scan starts near after=, and reads a small part of the file", async () => {
  const dir = makeTempDir("event-log-test-");
  try {
    const { files, lastSeq } = writeLog(dir, 1, 40_000);
    const size = statSync(files[0]!.path).size;
    const rec = recordingOpen();
    const page = await queryEventFiles(
      { files: () => ({ generation: 0, files }), lastSeq, open: rec.openFile },
      { after: 39_000, limit: 10 }
    );
    assert.deepEqual(
      page.events.map((e) => e.seq),
      Array.from({ length: 10 }, (_, i) => 39_001 + i)
    );
    assert.ok(rec.bytesRead() < size / 8, `read ${rec.bytesRead()} of ${size} bytes`);
  } finally {
    dir.remove();
  }
});

test("seeking gives the same pages as a full scan, around huge lines and torn lines", async () => {
  const dir = makeTempDir("event-log-test-");
  try {
    // Every 97th event is ~300 KiB (longer than the probe windows); two torn lines sit in the middle.
    const text = (seq: number) => (seq % 97 === 0 ? "y".repeat(300 * 1024) : `e${seq}`);
    let body = "";
    const all: CodexdEvent[] = [];
    for (let seq = 1; seq <= 3000; seq += 1) {
      body += line(seq, text(seq));
      all.push(JSON.parse(line(seq, text(seq))) as CodexdEvent);
      if (seq === 1500) body += '{"seq":15'; // torn by a crash, then appending went on
      if (seq === 2200) body += "not json at all\n";
    }
    const path = dir.path("events.jsonl");
    writeFileSync(path, body);
    const files = () => ({ generation: 0, files: [{ path, firstSeq: 1 }] });
    for (const after of [0, 1, 96, 97, 500, 1499, 1500, 1501, 2199, 2200, 2998, 2999]) {
      const page = await queryEventFiles({ files, lastSeq: 3000 }, { after, limit: 3, sessionId: "s-a" });
      const expected = all.filter((e) => e.seq > after && e.sessionId === "s-a").slice(0, 3);
      // (seq 1501 shares its physical line with the torn one and is lost with it; it is s-b's.)
      assert.deepEqual(
        page.events.map((e) => e.seq),
        expected.map((e) => e.seq),
        `after=${after}`
      );
    }
  } finally {
    dir.remove();
  }
});
