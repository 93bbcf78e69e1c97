import assert from "node:assert/strict";
import test from "node:test";
import { FrameBatch, rawSocketOf, serverFrame } from "../src/ws-frames.js";

/** Reads one unmasked frame back: FIN and opcode, the payload length, the payload. */
function readFrame(frame: Buffer): { fin: boolean; opcode: number; payload: Buffer } {
  const fin = (frame[0]! & 0x80) !== 0;
  const opcode = frame[0]! & 0x0f;
  assert.equal(frame[1]! & 0x80, 0, "a server's frame is not masked");
  const short = frame[1]! & 0x7f;
  const [length, start] =
    short === 126
      ? [frame.readUInt16BE(2), 4]
      : short === 127
        ? [frame.readUInt32BE(2) * 2 ** 32 + frame.readUInt32BE(6), 10]
        : [short, 2];
  assert.equal(frame.length, start + length, "the frame holds exactly its payload");
  return { fin, opcode, payload: frame.subarray(start) };
}

test("serverFrame uses the shortest length form and keeps the payload, text or binary", () => {
  for (const size of [0, 1, 125, 126, 127, 65_535, 65_536, 70_000]) {
    const text = "é".repeat(Math.floor(size / 2)) + "x".repeat(size % 2);
    const made = serverFrame(text);
    const read = readFrame(made.frame);
    assert.deepEqual([read.fin, read.opcode], [true, 1]);
    assert.equal(read.payload.toString("utf8"), text, `text of ${size} bytes`);
    assert.equal(made.headerBytes, made.frame.length - Buffer.byteLength(text));
    const bytes = Buffer.alloc(size, 7);
    const binary = readFrame(serverFrame(bytes, true).frame);
    assert.equal(binary.opcode, 2);
    assert.ok(binary.payload.equals(bytes), `binary of ${size} bytes`);
  }
});

test("a batch is its frames back to back, made once; one frame is passed as it is", () => {
  const one = new FrameBatch();
  const only = serverFrame("a");
  one.add(only);
  assert.equal(one.whole, only.frame);
  const many = new FrameBatch();
  const frames = ["a", "bb", "ccc"].map((text) => serverFrame(text));
  for (const frame of frames) many.add(frame);
  assert.equal(
    many.bytes,
    frames.reduce((sum, f) => sum + f.frame.length, 0)
  );
  assert.ok(many.whole.equals(Buffer.concat(frames.map((f) => f.frame))));
  assert.equal(many.whole, many.whole, "made once");
});

test("rawSocketOf gives the socket only for an open WebSocket without extensions", () => {
  const socket = { write: () => true };
  assert.equal(rawSocketOf(Object.assign({ readyState: 1, extensions: "" }, { _socket: socket })), socket);
  assert.equal(
    rawSocketOf(Object.assign({ readyState: 1, extensions: "permessage-deflate" }, { _socket: socket })),
    undefined
  );
  assert.equal(rawSocketOf(Object.assign({ readyState: 2, extensions: "" }, { _socket: socket })), undefined);
  assert.equal(rawSocketOf({ readyState: 1, extensions: "" }), undefined);
});
