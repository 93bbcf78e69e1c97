import assert from "node:assert/strict";
import { test } from "node:test";
import { eventually } from "../src/eventually.js";

test("eventually returns the first value that is not null, undefined or false", async () => {
  const answers: unknown[] = [null, undefined, false, 0];
  let reads = 0;
  const value = await eventually(() => answers[reads++] as number | null, "a number", { intervalMs: 1 });
  assert.equal(value, 0);
  assert.equal(reads, 4);
});

test("eventually awaits async reads and treats a throw as not yet", async () => {
  let reads = 0;
  const value = await eventually(
    async () => {
      reads += 1;
      if (reads < 3) throw new Error("not up");
      return "up";
    },
    "the service",
    { intervalMs: 1 }
  );
  assert.equal(value, "up");
  assert.equal(reads, 3);
});

test("eventually names what it waited for and the last answer when it gives up", async () => {
  await assert.rejects(
    eventually(() => null, "the run to end", { timeoutMs: 20, intervalMs: 1 }),
    /waiting for the run to end \(last answer: null\)/
  );
});

test("eventually reports the last error when every read threw", async () => {
  let reads = 0;
  await assert.rejects(
    eventually(
      () => {
        reads += 1;
        throw new Error(`refused #${reads}`);
      },
      "the port",
      { timeoutMs: 20, intervalMs: 1 }
    ),
    (error: Error) =>
      error.message.includes("waiting for the port") && error.message.includes(`refused #${reads}`)
  );
});

test("eventually reads once more at the deadline, so a zero timeout still reads", async () => {
  let reads = 0;
  const value = await eventually(() => ++reads, "one read", { timeoutMs: 0 });
  assert.equal(value, 1);
});

test("with accept, eventually waits for an accepted value and shows the last refused one", async () => {
  let reads = 0;
  const accepted = await eventually(() => ({ reads: ++reads }), "three reads", {
    intervalMs: 1,
    accept: (value) => value.reads === 3
  });
  assert.deepEqual(accepted, { reads: 3 });
  await assert.rejects(
    eventually(() => ({ role: "follower" }), "leadership", {
      timeoutMs: 20,
      intervalMs: 1,
      accept: (value) => value.role === "leader"
    }),
    /waiting for leadership \(last answer: \{ role: 'follower' \}\)/
  );
});
