import assert from "node:assert/strict";
import test from "node:test";
import { MAX_CLOSE_REASON_BYTES, closeReason } from "../src/index.js";

test("a short reason is kept whole", () => {
  assert.equal(closeReason("codexd unavailable"), "codexd unavailable");
  const exact = "x".repeat(MAX_CLOSE_REASON_BYTES);
  assert.equal(closeReason(exact), exact);
});

test("a long reason is cut within 123 bytes at a character boundary, with an ellipsis", () => {
  for (const unit of ["a", "é", "€", "😀", "a😀"]) {
    for (let n = 1; n < 200; n += 7) {
      const reason = closeReason(unit.repeat(n));
      const bytes = Buffer.byteLength(reason);
      assert.ok(bytes <= MAX_CLOSE_REASON_BYTES, `${unit}×${n}: ${bytes} bytes`);
      assert.ok(!reason.includes("\uFFFD"), `${unit}×${n}: no broken character`);
      if (Buffer.byteLength(unit.repeat(n)) > MAX_CLOSE_REASON_BYTES) {
        assert.ok(reason.endsWith("…"));
        assert.ok(unit.repeat(n).startsWith(reason.slice(0, -1)), "a prefix of the message");
      }
    }
  }
});
