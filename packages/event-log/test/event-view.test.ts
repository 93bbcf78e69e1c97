import assert from "node:assert/strict";
import test from "node:test";
import { cutText, isStreamingDelta, recentView } from "../src/event-view.js";
import type { CodexdEvent } from "../src/event-log-filter.js";

const event = (data: unknown): CodexdEvent => ({
  seq: 42,
  type: "app-server.item.completed",
  at: "2030-01-01T00:00:00.000Z",
  sessionId: "s",
  threadId: null,
  turnId: null,
  data
});

test("cutText keeps short text and cuts long text with a marker naming the seq", () => {
  assert.equal(cutText("short", 100, 1), "short");
  const cut = cutText("x".repeat(10_000), 100, 7);
  assert.ok(cut.startsWith("x".repeat(100)));
  assert.match(cut, /\[cut: 100 of 10000 bytes shown; whole in event seq 7 of the event log\]$/);
});

test("cutText never splits a code point", () => {
  for (let max = 1; max < 12; max += 1) {
    const cut = cutText("é€😀".repeat(50), max, 1);
    assert.ok(!cut.includes("\uFFFD"), `no replacement character at max ${max}`);
    const head = cut.slice(0, cut.indexOf("…"));
    assert.ok(Buffer.byteLength(head) <= max);
  }
});

test("recentView returns the event itself when nothing is long, a cut copy otherwise", () => {
  const small = event({ item: { text: "hi" } });
  const json = JSON.stringify(small);
  assert.equal(
    recentView(small, { maxTextBytes: 1024, maxEventBytes: 4096, jsonBytes: json.length }).view,
    small
  );
  const big = event({ item: { type: "agentMessage", text: "y".repeat(50_000) }, other: [1, "z"] });
  const bigJson = JSON.stringify(big);
  const { view, bytes } = recentView(big, {
    maxTextBytes: 1024,
    maxEventBytes: 4096,
    jsonBytes: bigJson.length
  });
  assert.notEqual(view, big);
  assert.equal(view.cut, true);
  assert.equal(bytes, Buffer.byteLength(JSON.stringify(view)));
  assert.ok(bytes < 2048);
  const item = (view.data as { item: { text: string; type: string } }).item;
  assert.equal(item.type, "agentMessage");
  assert.match(item.text, /whole in event seq 42/);
  assert.equal(
    (big.data as { item: { text: string } }).item.text.length,
    50_000,
    "the original is untouched"
  );
});

test("recentView replaces data that is still too large after cutting strings", () => {
  const many = event({ lines: Array.from({ length: 5000 }, (_, i) => `line ${i}`) });
  const json = JSON.stringify(many);
  const { view, bytes } = recentView(many, {
    maxTextBytes: 1024,
    maxEventBytes: 4096,
    jsonBytes: json.length
  });
  assert.ok(bytes <= 4096);
  assert.match(JSON.stringify(view.data), /whole in event seq 42/);
});

test("deltas are recognized by their type", () => {
  assert.ok(isStreamingDelta("app-server.item.agentMessage.delta"));
  assert.ok(isStreamingDelta("app-server.item.commandExecution.outputDelta"));
  assert.ok(!isStreamingDelta("app-server.item.completed"));
});
