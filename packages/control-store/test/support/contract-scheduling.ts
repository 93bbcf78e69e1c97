import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { withHarness, type EngineKind } from "./harness.js";
import { claimAll, finish, lead } from "./steps.js";

/** Claims: order, dependencies, notBefore, attempts, run updates, system mode and quota pause. */
export function schedulingContract(kind: EngineKind): void {
  describe(`${kind}: scheduling`, () => {
    test("claims go by priority, then age, up to the limit", () =>
      withHarness(kind, async ({ store }) => {
        const make = async (title: string, priority: number) =>
          (await store.createTask({ title, prompt: "p", priority })).task.taskId;
        const low = await make("low", 0);
        const high = await make("high", 9);
        const mid = await make("mid", 5);
        const high2 = await make("high2", 9);
        const l = await lead(store, "n1");
        const firstTwo = await claimAll(store, l, 2);
        assert.deepEqual(
          firstTwo.map((c) => c.task.taskId),
          [high, high2]
        );
        for (const c of firstTwo) {
          assert.equal(c.task.state, "running");
          assert.equal(c.run.state, "running");
          assert.equal(c.run.attempt, 1);
          assert.equal(c.run.owner, "n1");
          assert.equal(c.run.term, l.term);
          assert.equal(c.task.lastRunId, c.run.runId);
        }
        assert.deepEqual(
          (await claimAll(store, l, 5)).map((c) => c.task.taskId),
          [mid, low]
        );
        assert.deepEqual(await claimAll(store, l, 5), []);
        assert.equal((await store.listRunningRuns()).length, 4);
      }));

    test("dependsOn: runs after its dependencies succeed, fails (transitively) when one fails", () =>
      withHarness(kind, async ({ store }) => {
        const a = (await store.createTask({ title: "a", prompt: "p" })).task;
        const b = (await store.createTask({ title: "b", prompt: "p", dependsOn: [a.taskId], priority: 9 }))
          .task;
        assert.equal(b.state, "blocked");
        const l = await lead(store, "n1");
        const [ca] = await claimAll(store, l, 5);
        assert.equal(ca?.task.taskId, a.taskId);
        assert.deepEqual(await claimAll(store, l, 5), []);
        await finish(store, l, ca!.run.runId, "succeeded", "succeeded", false);
        const [cb] = await claimAll(store, l, 5);
        assert.equal(cb?.task.taskId, b.taskId);

        const x = (await store.createTask({ title: "x", prompt: "p", maxAttempts: 1 })).task;
        const y = (await store.createTask({ title: "y", prompt: "p", dependsOn: [x.taskId] })).task;
        const z = (await store.createTask({ title: "z", prompt: "p", dependsOn: [y.taskId, b.taskId] })).task;
        const [cx] = await claimAll(store, l, 5);
        assert.equal(cx?.task.taskId, x.taskId);
        await finish(store, l, cx!.run.runId, "failed", "failed", true, { reason: "exit 1" });
        assert.deepEqual(await claimAll(store, l, 5), []);
        const fy = await store.getTask(y.taskId);
        assert.equal(fy?.state, "failed");
        assert.match(fy?.stateReason ?? "", new RegExp(`dependency ${x.taskId} ended failed`));
        assert.ok(fy?.endedAt);
        const fz = await store.getTask(z.taskId);
        assert.equal(fz?.state, "failed");
        assert.match(fz?.stateReason ?? "", new RegExp(y.taskId));
      }));

    test("notBefore holds a task back until its time, and a retry backoff does the same", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const now = (await store.now()).getTime();
        const later = (
          await store.createTask({
            title: "later",
            prompt: "p",
            notBefore: new Date(now + 3_600_000).toISOString()
          })
        ).task;
        assert.equal(later.state, "blocked");
        const l = await lead(store, "n1", 10 * 3_600_000);
        assert.deepEqual(await claimAll(store, l, 5), []);
        await h.advance(3_600_001);
        const [c] = await claimAll(store, l, 5);
        assert.equal(c?.task.taskId, later.taskId);

        const backoffUntil = new Date((await store.now()).getTime() + 10_000).toISOString();
        await finish(store, l, c!.run.runId, "failed", "queued", true, {
          notBefore: backoffUntil,
          reason: "boom"
        });
        const waiting = await store.getTask(later.taskId);
        assert.equal(waiting?.state, "queued");
        assert.equal(waiting?.notBefore, backoffUntil);
        assert.equal(waiting?.attemptsSpent, 1);
        assert.equal(waiting?.stateReason, "boom");
        assert.deepEqual(await claimAll(store, l, 5), []);
        await h.advance(10_001);
        const [again] = await claimAll(store, l, 5);
        assert.equal(again?.run.attempt, 2);
      }));

    test("attempts: only runs failed by the task spend one; spending the last fails the task", () =>
      withHarness(kind, async ({ store }) => {
        const { task } = await store.createTask({ title: "t", prompt: "p", maxAttempts: 2 });
        const l = await lead(store, "n1");
        const outcomes: Array<[string, boolean]> = [
          ["deferred", false],
          ["abandoned", false],
          ["failed", true],
          ["stalled", true]
        ];
        for (const [runState, spend] of outcomes) {
          const [c] = await claimAll(store, l, 1);
          assert.ok(c, `claimable before ${runState}`);
          assert.equal(await finish(store, l, c.run.runId, runState as "failed", "queued", spend), true);
        }
        const ended = await store.getTask(task.taskId);
        assert.equal(ended?.state, "failed");
        assert.equal(ended?.attemptsSpent, 2);
        assert.equal(ended?.runCount, 4);
        const runs = await store.listRuns(task.taskId);
        assert.deepEqual(
          runs.map((r) => [r.attempt, r.state]),
          [
            [1, "deferred"],
            [2, "abandoned"],
            [3, "failed"],
            [4, "stalled"]
          ]
        );
      }));

    test("updateRun records session, turn, workspace and progress, and moves running <-> needs_approval", () =>
      withHarness(kind, async ({ store }) => {
        await store.createTask({ title: "t", prompt: "p" });
        const l = await lead(store, "n1");
        const [c] = await claimAll(store, l, 1);
        const fence = { runId: c!.run.runId, owner: l.holder, term: l.term };
        const workspace = { kind: "worktree" as const, path: "/w/t", branch: "baa/t", baseCommit: "abc123" };
        assert.equal(
          await store.updateRun(fence, {
            sessionId: "session-1",
            threadId: "th",
            turnId: "turn-1",
            workspace,
            lastEventAt: "2030-01-01T00:00:01Z"
          }),
          true
        );
        assert.equal(await store.updateRun(fence, { taskState: "needs_approval" }), true);
        assert.equal((await store.getTask(c!.task.taskId))?.state, "needs_approval");
        const run = await store.getRun(fence.runId);
        assert.equal(run?.sessionId, "session-1");
        assert.equal(run?.threadId, "th");
        assert.equal(run?.turnId, "turn-1");
        assert.deepEqual(run?.workspace, workspace);
        assert.equal(run?.lastEventAt, "2030-01-01T00:00:01.000Z");
        assert.equal(await store.updateRun(fence, { taskState: "running" }), true);
        assert.equal((await store.getTask(c!.task.taskId))?.state, "running");
        assert.equal(
          await finish(store, l, fence.runId, "succeeded", "succeeded", false, {
            finalMessage: "done",
            usage: { input_tokens: 3 }
          }),
          true
        );
        const done = await store.getRun(fence.runId);
        assert.equal(done?.finalMessage, "done");
        assert.deepEqual(done?.usage, { input_tokens: 3 });
        assert.ok(done?.endedAt);
        assert.equal(await store.updateRun(fence, { turnId: "late" }), false);
        await assert.rejects(
          store.finishRun(fence, { runState: "failed", taskState: "running", spendAttempt: true }),
          TypeError
        );
      }));

    test("pause and drain claim nothing, resume claims again; a usage-limit pause holds until its time", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        for (let i = 0; i < 3; i += 1) await store.createTask({ title: `t${i}`, prompt: "p" });
        const l = await lead(store, "n1", 3_600_000);
        assert.equal((await store.setSystemMode("paused", "maintenance")).mode, "paused");
        assert.deepEqual(await claimAll(store, l, 5), []);
        await store.setSystemMode("draining");
        assert.deepEqual(await claimAll(store, l, 5), []);
        await store.setSystemMode("running");
        assert.equal((await claimAll(store, l, 1)).length, 1);
        const until = new Date((await store.now()).getTime() + 60_000).toISOString();
        const paused = await store.setQuotaPause(until, "usage limit reached");
        assert.equal(paused.quotaPausedUntil, until);
        assert.equal(paused.quotaReason, "usage limit reached");
        assert.deepEqual(await claimAll(store, l, 5), []);
        await h.advance(60_001);
        assert.equal((await claimAll(store, l, 1)).length, 1);
        await store.setQuotaPause(until, "again");
        const cleared = await store.setQuotaPause(null);
        assert.equal(cleared.quotaPausedUntil, null);
        assert.equal(cleared.quotaReason, null);
      }));

    test("the mode, the quota pause, tasks and runs survive a restart", () =>
      withHarness(kind, async (h) => {
        await h.store.createTask({ title: "t", prompt: "p" });
        await h.store.createTask({ title: "u", prompt: "p" });
        const l = await lead(h.store, "n1");
        const [c] = await claimAll(h.store, l, 1);
        await h.store.setSystemMode("paused", "by test");
        await h.store.setQuotaPause("2099-01-01T00:00:00.000Z", "limit");
        const store = await h.reopen();
        const state = await store.getSystemState();
        assert.equal(state.mode, "paused");
        assert.equal(state.reason, "by test");
        assert.equal(state.quotaPausedUntil, "2099-01-01T00:00:00.000Z");
        const counts = await store.countTasksByState();
        assert.equal(counts.running, 1);
        assert.equal(counts.queued, 1);
        assert.equal((await store.getRun(c!.run.runId))?.state, "running");
        assert.equal((await store.getLease("scheduler"))?.holder, "n1");
      }));
  });
}
