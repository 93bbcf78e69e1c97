import assert from "node:assert/strict";
import test from "node:test";
import { StoreUnavailableError, type ControlStore } from "@baa/control-store";
import { guardStore, isStoreUnavailable } from "../../src/store/guarded-store.js";
import { ManualTimers } from "@baa/clock/testing";

function fakeStore(overrides: Partial<Record<keyof ControlStore, unknown>>): ControlStore {
  return { kind: "postgres", ...overrides } as unknown as ControlStore;
}

test("a call that does not answer in time fails with StoreUnavailableError at the deadline", async () => {
  const timers = new ManualTimers();
  const store = guardStore(fakeStore({ getTask: () => new Promise(() => {}) }), { timers, deadlineMs: 1000 });
  const call = store.getTask("task-1");
  const outcome = call.then(
    () => "resolved",
    (error: unknown) => error
  );
  await timers.advance(999);
  await timers.advance(1);
  const error = await outcome;
  assert.ok(error instanceof StoreUnavailableError, String(error));
  assert.match((error as Error).message, /postgres store is not reachable \(getTask\)/);
});

test("driver errors that mean the database is away become StoreUnavailableError; others pass through", async () => {
  const timers = new ManualTimers();
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  const adminShutdown = Object.assign(new Error("terminating connection due to administrator command"), {
    code: "57P01"
  });
  const bug = new TypeError("limit must be a number");
  const store = guardStore(
    fakeStore({
      getTask: async () => Promise.reject(refused),
      getRun: async () => Promise.reject(adminShutdown),
      listRuns: async () => Promise.reject(bug),
      now: async () => new Date(0)
    }),
    { timers, deadlineMs: 1000 }
  );
  await assert.rejects(
    store.getTask("t"),
    (error: unknown) => error instanceof StoreUnavailableError && (error as Error).cause === refused
  );
  await assert.rejects(store.getRun("r"), StoreUnavailableError);
  await assert.rejects(store.listRuns("t"), (error: unknown) => error === bug);
  assert.deepEqual(await store.now(), new Date(0));
  assert.equal(store.kind, "postgres");
  assert.equal(timers.pendingCount, 0, "no deadline timer left once a call settles");
  assert.equal(isStoreUnavailable(Object.assign(new Error("x"), { code: "08006" })), true);
  assert.equal(
    isStoreUnavailable(Object.assign(new Error("x"), { code: "23505" })),
    false,
    "a unique violation is not an outage"
  );
});
