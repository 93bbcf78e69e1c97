import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { Writable } from "node:stream";
import test from "node:test";
import type { ChildLike } from "@baa/app-server-client";
import { batchStdinWrites } from "../../src/child/stdin-batching.js";

/** A stdin that records each write it gets from node: one string per `_write`, the chunks of a `_writev` joined. */
function recordingStdin(): { stdin: Writable; writes: string[] } {
  const writes: string[] = [];
  const stdin = new Writable({
    decodeStrings: false,
    write(chunk, _encoding, done) {
      writes.push(String(chunk));
      done();
    },
    writev(chunks, done) {
      writes.push(chunks.map((c) => String(c.chunk)).join(""));
      done();
    }
  });
  return { stdin, writes };
}

function fakeChild(stdin: ChildLike["stdin"]): ChildLike & EventEmitter {
  const child = new EventEmitter() as ChildLike & EventEmitter;
  Object.assign(child, { pid: 4242, exitCode: null, stdin, stdout: null, stderr: null, kill: () => true });
  return child;
}

test("stdin batching: lines written in one turn reach the child as one write; the next turn starts a new batch", async () => {
  const { stdin, writes } = recordingStdin();
  const flushes: (() => void)[] = [];
  const child = batchStdinWrites(fakeChild(stdin), (flush) => flushes.push(flush));

  child.stdin?.write("a\n");
  child.stdin?.write("b\n");
  child.stdin?.write("c\n");
  assert.deepEqual(writes, [], "held until the deferred flush");
  assert.equal(flushes.length, 1, "one flush per batch");
  flushes.shift()?.();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(writes, ["a\nb\nc\n"]);

  child.stdin?.write("d\n");
  assert.equal(flushes.length, 1, "a later write starts a new batch");
  // end() sends what is held first.
  child.stdin?.end();
  await new Promise((resolve) => stdin.once("finish", resolve));
  assert.deepEqual(writes, ["a\nb\nc\n", "d\n"]);
  flushes.shift()?.();
});

test("stdin batching: the rest of the child is the child's own; a stdin that cannot cork is left alone", () => {
  const { stdin } = recordingStdin();
  const inner = fakeChild(stdin);
  const child = batchStdinWrites(inner, () => {});
  assert.equal(child.pid, 4242);
  let exitCode: number | null = -1;
  child.on("exit", (code) => (exitCode = code));
  inner.emit("exit", 3, null);
  assert.equal(exitCode, 3, "listeners go on the child itself");
  const errors: unknown[] = [];
  (child.stdin as unknown as { on(event: string, listener: (error: unknown) => void): unknown }).on(
    "error",
    (error) => errors.push(error)
  );
  stdin.emit("error", new Error("EPIPE"));
  assert.equal(errors.length, 1, "stdin's events reach the client's listeners");

  const plain = fakeChild({ write: () => true, end: () => {} });
  assert.equal(batchStdinWrites(plain), plain);
});
