import assert from "node:assert/strict";
import test from "node:test";
import { AppServerTimeoutError, type AppServerClient } from "@baa/app-server-client";
import { guardAgainstStall } from "../../src/child/stall-guard.js";

// A client shaped like the real one: private fields behind a getter and close().
class PrivateClient {
  #closed = false;
  #answers: Array<() => Promise<unknown>>;
  constructor(answers: Array<() => Promise<unknown>>) {
    this.#answers = answers;
  }
  get closed(): boolean {
    return this.#closed;
  }
  async threadStart(): Promise<unknown> {
    const next = this.#answers.shift();
    if (next === undefined) throw new Error("no answer queued");
    return next();
  }
  async close(): Promise<void> {
    this.#closed = true;
  }
}

const timeout = () => Promise.reject(new AppServerTimeoutError("thread/start", 10));

test("getters and close() reach the client's private fields through the guard", async () => {
  const client = new PrivateClient([]);
  const guarded = guardAgainstStall(client as unknown as AppServerClient, { onStall: () => assert.fail("no stall") });
  assert.equal((guarded as unknown as PrivateClient).closed, false);
  await guarded.close();
  assert.equal(client.closed, true);
});

test("two timeouts in a row report a stall once; an answer in between resets the count", async () => {
  const stalls: string[] = [];
  const client = new PrivateClient([timeout, () => Promise.resolve({ ok: 1 }), timeout, timeout, timeout]);
  const guarded = guardAgainstStall(client as unknown as AppServerClient, { onStall: (reason) => stalls.push(reason) }) as unknown as PrivateClient;
  await assert.rejects(guarded.threadStart(), AppServerTimeoutError);
  assert.deepEqual(await guarded.threadStart(), { ok: 1 });
  await assert.rejects(guarded.threadStart(), AppServerTimeoutError);
  assert.equal(stalls.length, 0);
  await assert.rejects(guarded.threadStart(), AppServerTimeoutError);
  await assert.rejects(guarded.threadStart(), AppServerTimeoutError);
  assert.equal(stalls.length, 1);
  assert.match(stalls[0] ?? "", /stopped answering: 2 requests in a row timed out/);
});
