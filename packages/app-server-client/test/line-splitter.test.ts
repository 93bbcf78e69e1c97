import assert from "node:assert/strict";
import test from "node:test";

import { LineSplitter, LineTooLongError } from "../src/line-splitter.js";

function collect(maxLineLength?: number) {
  const lines: string[] = [];
  const errors: LineTooLongError[] = [];
  const splitter = new LineSplitter({
    onLine: (line) => lines.push(line),
    onOversizeLine: (error) => errors.push(error),
    maxLineLength
  });
  return { splitter, lines, errors };
}

test("joins a line cut across chunks and keeps the partial tail", () => {
  const { splitter, lines } = collect();
  splitter.push('{"a":');
  splitter.push("1}");
  assert.deepEqual(lines, []);
  splitter.push('\n{"b"');
  assert.deepEqual(lines, ['{"a":1}']);
  splitter.push(":2}\n");
  assert.deepEqual(lines, ['{"a":1}', '{"b":2}']);
});

test("splits a chunk holding several lines, in order, and drops CR before LF", () => {
  const { splitter, lines } = collect();
  splitter.push("one\ntwo\r\n\nthree\nfour");
  assert.deepEqual(lines, ["one", "two", "", "three"]);
  splitter.flush();
  assert.deepEqual(lines, ["one", "two", "", "three", "four"]);
});

test("decodes a multi-byte character split between buffers", () => {
  const { splitter, lines } = collect();
  const bytes = Buffer.from("héllo→\n", "utf8");
  for (let i = 0; i < bytes.length; i += 1) {
    splitter.push(bytes.subarray(i, i + 1));
  }
  assert.deepEqual(lines, ["héllo→"]);
});

test("discards a line longer than the cap, reports it once, and recovers at the next newline", () => {
  const { splitter, lines, errors } = collect(8);
  splitter.push("short\n1234");
  splitter.push("56789");
  splitter.push("more and more");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof LineTooLongError);
  assert.equal(errors[0]?.maxLineLength, 8);
  splitter.push("tail\nok\n");
  assert.deepEqual(lines, ["short", "ok"]);
  assert.equal(errors.length, 1);
});

test("a line exactly at the cap is accepted", () => {
  const { splitter, lines, errors } = collect(4);
  splitter.push("abcd\n");
  assert.deepEqual(lines, ["abcd"]);
  assert.deepEqual(errors, []);
});

test("flush emits nothing when no partial line is held", () => {
  const { splitter, lines } = collect();
  splitter.push("a\n");
  splitter.flush();
  assert.deepEqual(lines, ["a"]);
});
