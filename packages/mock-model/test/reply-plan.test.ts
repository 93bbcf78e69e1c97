import assert from "node:assert/strict";
import test from "node:test";

import { planReply, splitText, SLOW_TEXT_DELTAS, type IdSource } from "../src/index.js";

const counterIds = (): IdSource => {
  let n = 0;
  return (prefix) => `${prefix}_${++n}`;
};

test("splitText cuts into near-equal pieces without breaking code points", () => {
  assert.deepEqual(splitText("abcdefgh", 3), ["ab", "cde", "fgh"]);
  assert.deepEqual(splitText("ab", 5), ["a", "b"]);
  assert.deepEqual(splitText("", 4), [""]);
  assert.deepEqual(splitText("😀😀", 2), ["😀", "😀"]);
  assert.deepEqual(splitText("abc", 0), ["abc"]);
});

test("text plan: delays only between chunks", () => {
  const plan = planReply({ kind: "text", text: "abcdef", chunks: 3, delayMsBetweenChunks: 7 }, counterIds());
  assert.equal(plan.kind, "stream");
  if (plan.kind !== "stream") return;
  assert.equal(plan.keepOpen, false);
  assert.deepEqual(
    plan.events.map((e) => e.delayMs),
    [0, 0, 0, 7, 7, 0, 0]
  );
  assert.deepEqual(plan.events[0]?.event, { type: "response.created", response: { id: "resp_1" } });
  assert.equal((plan.events[6]?.event.response as { id: string } | undefined)?.id, "resp_1");
});

test("slow_text plan spreads totalMs over its deltas", () => {
  const plan = planReply({ kind: "slow_text", text: "0123456789", totalMs: 500 }, counterIds());
  if (plan.kind !== "stream") return assert.fail("stream expected");
  const deltas = plan.events.filter((e) => e.event.type === "response.output_text.delta");
  assert.equal(deltas.length, SLOW_TEXT_DELTAS);
  assert.equal(
    deltas.reduce((sum, e) => sum + e.delayMs, 0),
    500
  );
});

test("hang plan sends only response.created and stays open", () => {
  const plan = planReply({ kind: "hang" }, counterIds());
  assert.deepEqual(plan, {
    kind: "stream",
    keepOpen: true,
    events: [{ delayMs: 0, event: { type: "response.created", response: { id: "resp_1" } } }]
  });
});

test("error plans: http_error body forms and overloaded as 503 server_is_overloaded", () => {
  assert.deepEqual(
    planReply({ kind: "http_error", status: 418, body: { error: { message: "teapot" } } }, counterIds()),
    {
      kind: "http",
      status: 418,
      contentType: "application/json",
      body: '{"error":{"message":"teapot"}}'
    }
  );
  const text = planReply({ kind: "http_error", status: 502, body: "bad gateway" }, counterIds());
  assert.deepEqual(text, { kind: "http", status: 502, contentType: "text/plain", body: "bad gateway" });
  const busy = planReply({ kind: "overloaded" }, counterIds());
  if (busy.kind !== "http") return assert.fail("http expected");
  assert.equal(busy.status, 503);
  assert.equal(JSON.parse(busy.body).error.code, "server_is_overloaded");
});
