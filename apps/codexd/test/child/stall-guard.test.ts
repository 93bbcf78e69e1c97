import assert from "node:assert/strict";
import test from "node:test";
import { AppServerTimeoutError, type AppServerClient } from "@baa/app-server-client";
import { guardAgainstStall } from "../../src/child/stall-guard.js";

function fakeClient(answers: (() => Promise<unknown>)[]): AppServerClient {
  return { threadStart: () => answers.shift()!(), close: async () => {} } as unknown as AppServerClient;
}
const timeout = () => Promise.reject(new AppServerTimeoutError("thread/start", 3000));
const answer = () => Promise.resolve({ ok: true });

test("stall guard: two timeouts in a row with no output call onStall once; an answer between resets; output while waiting does not count", async () => {
  let clock = 100;
  let lastOutputAt = 0;
  const stalls: string[] = [];
  const guard = (answers: (() => Promise<unknown>)[]) =>
    guardAgainstStall(fakeClient(answers), {
      onStall: (reason) => stalls.push(reason),
      now: () => clock,
      lastOutputAt: () => lastOutputAt
    }) as unknown as { threadStart(): Promise<unknown> };

  const resetting = guard([timeout, answer, timeout]);
  await assert.rejects(resetting.threadStart(), AppServerTimeoutError);
  assert.deepEqual(await resetting.threadStart(), { ok: true });
  await assert.rejects(resetting.threadStart(), AppServerTimeoutError);
  assert.deepEqual(stalls, [], "an answer in between resets the count");

  const busy = guard([timeout, timeout]);
  lastOutputAt = 100; // output at the time the requests were sent: the child still talks
  await assert.rejects(busy.threadStart());
  await assert.rejects(busy.threadStart());
  assert.deepEqual(stalls, [], "a child writing output is slow, not stalled");

  clock = 200;
  const silent = guard([timeout, timeout, timeout]);
  await assert.rejects(silent.threadStart());
  await assert.rejects(silent.threadStart());
  await assert.rejects(silent.threadStart());
  assert.equal(stalls.length, 1, "reported once");
  assert.match(
    stalls[0]!,
    /stopped answering: 2 requests in a row timed out \(last: app-server request thread\/start timed out after 3000 ms\)/
  );
});
