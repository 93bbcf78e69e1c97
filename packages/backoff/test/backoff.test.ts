import assert from "node:assert/strict";
import test from "node:test";
import { backoffDelayMs } from "../src/index.js";

test("doubles from the base up to the cap", () => {
  const policy = { baseMs: 100, maxMs: 1000, jitter: "none" as const };
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((attempt) => backoffDelayMs(policy, attempt)),
    [100, 200, 400, 800, 1000, 1000]
  );
  assert.equal(backoffDelayMs(policy, 0), 100, "attempt 0 counts as the first");
});

test("full jitter spans [0, ceiling), half jitter [ceiling/2, ceiling]", () => {
  const full = { baseMs: 100, maxMs: 10_000, jitter: "full" as const };
  assert.equal(
    backoffDelayMs(full, 3, () => 0),
    0
  );
  assert.equal(
    backoffDelayMs(full, 3, () => 0.999),
    399
  );
  const half = { ...full, jitter: "half" as const };
  assert.equal(
    backoffDelayMs(half, 3, () => 0),
    200
  );
  assert.equal(
    backoffDelayMs(half, 3, () => 1),
    400
  );
  assert.equal(
    backoffDelayMs(half, 3, () => 7),
    400,
    "random() out of range is clamped"
  );
});
