import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { withHarness, type EngineKind } from "./harness.js";
import { claimAll, finish, lead, SCOPE } from "./steps.js";

/** The leader lease, fencing of stale writers, and recovery of abandoned runs. */
export function leaseContract(kind: EngineKind): void {
  describe(`${kind}: lease and fencing`, () => {
    test("acquire, renew, refuse, expire, take over, release", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        assert.equal(await store.getLease(SCOPE), null);
        const first = await store.acquireLease({ scope: SCOPE, holder: "n1", ttlMs: 1000 });
        assert.equal(first?.term, 1);
        assert.equal(first?.holder, "n1");
        assert.equal(await store.acquireLease({ scope: SCOPE, holder: "n2", ttlMs: 1000 }), null);
        await h.advance(500);
        const renewed = await store.acquireLease({ scope: SCOPE, holder: "n1", ttlMs: 1000 });
        assert.equal(renewed?.term, 1);
        await h.advance(600);
        assert.equal(
          await store.acquireLease({ scope: SCOPE, holder: "n2", ttlMs: 1000 }),
          null,
          "the renewal moved the expiry"
        );
        await h.advance(500);
        const taken = await store.acquireLease({ scope: SCOPE, holder: "n2", ttlMs: 1000 });
        assert.equal(taken?.term, 2);
        assert.equal(await store.acquireLease({ scope: SCOPE, holder: "n1", ttlMs: 1000 }), null);
        const lease = await store.getLease(SCOPE);
        assert.equal(lease?.holder, "n2");
        assert.equal(lease?.term, 2);
        assert.equal(lease?.expiresAt, taken?.expiresAt);
        assert.equal(await store.releaseLease({ scope: SCOPE, holder: "n2", term: 1 }), false);
        assert.equal(await store.releaseLease({ scope: SCOPE, holder: "n2", term: 2 }), true);
        assert.equal((await store.getLease(SCOPE))?.holder, null);
        assert.equal((await store.acquireLease({ scope: SCOPE, holder: "n1", ttlMs: 1000 }))?.term, 3);
        assert.equal(
          (await store.acquireLease({ scope: SCOPE, holder: "n1", ttlMs: 1000, newTerm: true }))?.term,
          4
        );
      }));

    test("only the holder with its current term claims", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        await store.createTask({ title: "t", prompt: "p" });
        const l = await lead(store, "n1", 1000);
        assert.deepEqual(await store.claimTasks({ scope: SCOPE, holder: "n2", term: l.term, limit: 1 }), []);
        assert.deepEqual(
          await store.claimTasks({ scope: SCOPE, holder: "n1", term: l.term + 1, limit: 1 }),
          []
        );
        await h.advance(1001);
        assert.deepEqual(await claimAll(store, l, 1), [], "an expired lease claims nothing");
        const again = await lead(store, "n1", 1000);
        assert.equal(again.term, l.term);
        assert.equal((await claimAll(store, again, 1)).length, 1);
      }));

    test("a deposed leader's writes change nothing; the new leader abandons its runs without spending attempts", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const { task } = await store.createTask({ title: "t", prompt: "p", maxAttempts: 1 });
        const old = await lead(store, "n1", 1000);
        const [c] = await claimAll(store, old, 1);
        const fence = { runId: c!.run.runId, owner: "n1", term: old.term };
        await h.advance(1001);
        const next = await lead(store, "n2", 1000);
        assert.equal(next.term, old.term + 1);
        const before = { task: await store.getTask(task.taskId), run: await store.getRun(fence.runId) };
        // Fenced by term before the new leader has even cleaned up.
        assert.equal(
          await store.finishRun(fence, {
            runState: "succeeded",
            taskState: "succeeded",
            spendAttempt: false
          }),
          false
        );
        assert.equal(await store.updateRun(fence, { turnId: "late", taskState: "needs_approval" }), false);
        assert.deepEqual(
          { task: await store.getTask(task.taskId), run: await store.getRun(fence.runId) },
          before
        );
        assert.deepEqual(
          await store.abandonStaleRuns({ scope: SCOPE, holder: "n1", term: old.term }),
          [],
          "not the leader"
        );

        const abandoned = await store.abandonStaleRuns({ scope: SCOPE, holder: "n2", term: next.term });
        assert.deepEqual(
          abandoned.map((r) => [r.runId, r.state]),
          [[fence.runId, "abandoned"]]
        );
        assert.match(abandoned[0]?.reason ?? "", /superseded/);
        const requeued = await store.getTask(task.taskId);
        assert.equal(requeued?.state, "queued");
        assert.equal(requeued?.attemptsSpent, 0);
        assert.deepEqual(await store.abandonStaleRuns({ scope: SCOPE, holder: "n2", term: next.term }), []);
        const [again] = await claimAll(store, next, 1);
        assert.equal(again?.run.attempt, 2);
        assert.equal(again?.run.owner, "n2");
        assert.equal(
          await store.finishRun(fence, { runState: "failed", taskState: "failed", spendAttempt: true }),
          false
        );
        assert.equal((await store.getTask(task.taskId))?.state, "running");
      }));

    test("fencing names run, owner and term; a run ends once", () =>
      withHarness(kind, async ({ store }) => {
        await store.createTask({ title: "t", prompt: "p" });
        const l = await lead(store, "n1");
        const [c] = await claimAll(store, l, 1);
        const runId = c!.run.runId;
        assert.equal(
          await finish(store, { holder: "n2", term: l.term }, runId, "succeeded", "succeeded", false),
          false
        );
        assert.equal(
          await finish(store, { holder: "n1", term: l.term - 1 }, runId, "succeeded", "succeeded", false),
          false
        );
        assert.equal(await finish(store, l, "run-ghost", "succeeded", "succeeded", false), false);
        assert.equal(
          await finish(store, l, runId, "timed_out", "timed_out", true, { reason: "deadline" }),
          true
        );
        assert.equal(await finish(store, l, runId, "succeeded", "succeeded", false), false);
        const task = await store.getTask(c!.task.taskId);
        assert.equal(task?.state, "timed_out");
        assert.equal(task?.stateReason, "deadline");
      }));

    test("a restarted leader taking a new term abandons what its earlier self left running", () =>
      withHarness(kind, async ({ store }) => {
        await store.createTask({ title: "t", prompt: "p" });
        const before = await lead(store, "n1");
        const [c] = await claimAll(store, before, 1);
        const after = await store.acquireLease({ scope: SCOPE, holder: "n1", ttlMs: 30_000, newTerm: true });
        assert.equal(after?.term, before.term + 1);
        const abandoned = await store.abandonStaleRuns({ scope: SCOPE, holder: "n1", term: after!.term });
        assert.deepEqual(
          abandoned.map((r) => r.runId),
          [c!.run.runId]
        );
        assert.equal((await store.getTask(c!.task.taskId))?.state, "queued");
      }));

    test("a cancel requested on a run abandoned by a lost lease ends the task cancelled", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const { task } = await store.createTask({ title: "t", prompt: "p" });
        const old = await lead(store, "n1", 1000);
        await claimAll(store, old, 1);
        await store.requestCancel(task.taskId, "stop");
        await h.advance(1001);
        const next = await lead(store, "n2", 1000);
        await store.abandonStaleRuns({ scope: SCOPE, holder: "n2", term: next.term });
        const ended = await store.getTask(task.taskId);
        assert.equal(ended?.state, "cancelled");
        assert.equal(ended?.stateReason, "stop");
      }));

    test("the store itself refuses a second running run of one task (invariant 1)", () =>
      withHarness(kind, async (h) => {
        await h.store.createTask({ title: "t", prompt: "p" });
        const l = await lead(h.store, "n1");
        const [c] = await claimAll(h.store, l, 1);
        await assert.rejects(
          h.raw(
            "insert into runs (run_id, task_id, scope, attempt, owner, term, state, started_at) values ($1, $2, $3, $4, $5, $6, $7, $8)",
            ["run-dup", c!.task.taskId, SCOPE, 99, "n1", l.term, "running", "2030-01-01T00:00:00.000Z"]
          ),
          /unique|UNIQUE/
        );
      }));
  });
}
