import assert from "node:assert/strict";

/** The error `fn` throws; fails the test when it throws none. */
export function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected an error");
}
