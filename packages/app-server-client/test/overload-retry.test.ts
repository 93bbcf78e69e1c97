import assert from "node:assert/strict";
import test from "node:test";

import { DEFAULT_OVERLOAD_RETRY, overloadRetryDelayMs } from "../src/overload-retry.js";

test("the ceiling doubles per retry up to the cap, and jitter scales within it", () => {
  const top = (): number => 0.999999;
  const ceilings = [1, 2, 3, 4, 5, 6].map((retry) =>
    overloadRetryDelayMs(retry, DEFAULT_OVERLOAD_RETRY, top)
  );
  assert.deepEqual(ceilings, [99, 199, 399, 799, 1599, 1999]);
  assert.equal(
    overloadRetryDelayMs(3, DEFAULT_OVERLOAD_RETRY, () => 0),
    0
  );
  assert.equal(
    overloadRetryDelayMs(3, DEFAULT_OVERLOAD_RETRY, () => 0.5),
    200
  );
});

test("defaults are 4 attempts, 100 ms base, 2 s cap", () => {
  assert.deepEqual({ ...DEFAULT_OVERLOAD_RETRY }, { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 2000 });
});
