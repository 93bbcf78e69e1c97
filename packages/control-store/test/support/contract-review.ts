import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ControlStore, HeldLease, TaskState } from "../../src/index.js";
import { withHarness, type EngineKind } from "./harness.js";
import { claimAll, finish, lead, runToReview } from "./steps.js";

/** Brings a fresh task with a worktree branch to `state` (an ended one, or in_review). */
async function taskIn(store: ControlStore, l: HeldLease, state: TaskState): Promise<string> {
  if (state === "in_review" || state === "landed" || state === "discarded" || state === "cancelled") {
    const { task } = await runToReview(store, l, { title: state });
    if (state === "landed") {
      await store.beginLanding(task.taskId);
      await store.endLanding(task.taskId, {
        kind: "landed",
        landing: { method: "merge", target: "main", commit: "m1", remote: null, pullRequest: null }
      });
    }
    if (state === "discarded") await store.discardTask(task.taskId);
    if (state === "cancelled") await store.requestCancel(task.taskId);
    return task.taskId;
  }
  const { task } = await store.createTask({
    title: state,
    prompt: "p",
    maxAttempts: 1,
    workspace: "worktree"
  });
  const [c] = await claimAll(store, l, 1);
  await store.updateRun({ runId: c!.run.runId, owner: l.holder, term: l.term }, { baseBranch: "main" });
  await finish(
    store,
    l,
    c!.run.runId,
    state === "succeeded" ? "succeeded" : state === "failed" ? "failed" : "timed_out",
    state,
    state !== "succeeded"
  );
  return task.taskId;
}

/** Review: the policy kept, in_review after a run, rounds, revise, discard, cancel. */
export function reviewContract(kind: EngineKind): void {
  describe(`${kind}: review`, () => {
    test("the review policy is stored as asked, null by default, and checked", () =>
      withHarness(kind, async ({ store }) => {
        assert.equal((await store.createTask({ title: "d", prompt: "p" })).task.review, null);
        for (const review of ["required", "none", "auto_land"] as const) {
          const { task } = await store.createTask({ title: review, prompt: "p", review });
          assert.equal(task.review, review);
          assert.equal((await store.getTask(task.taskId))?.review, review);
          assert.equal(task.round, 1);
          assert.equal(task.roundInput, null);
          assert.equal(task.baseBranch, null);
          assert.equal(task.landing, null);
          assert.equal(task.push, null);
        }
        await assert.rejects(
          store.createTask({ title: "t", prompt: "p", review: "later" as never }),
          (e: unknown) => e instanceof TypeError && /review/.test(e.message)
        );
      }));

    test("a run records the base branch once, its commit, and leaves its task in_review (not ended)", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        await store.createTask({ title: "t", prompt: "p", workspace: "worktree" });
        const [c] = await claimAll(store, l, 1);
        assert.equal(c?.run.round, 1);
        assert.equal(c?.run.commit, null);
        const fence = { runId: c!.run.runId, owner: l.holder, term: l.term };
        const workspace = {
          kind: "worktree" as const,
          path: "/w",
          branch: "baa/t",
          baseCommit: "b0",
          baseBranch: "main"
        };
        assert.equal(await store.updateRun(fence, { baseBranch: "main", workspace }), true);
        assert.equal(await store.updateRun(fence, { baseBranch: "other" }), true);
        assert.equal((await store.getTask(c!.task.taskId))?.baseBranch, "main");
        assert.deepEqual((await store.getRun(fence.runId))?.workspace, workspace);
        assert.equal(
          await finish(store, l, fence.runId, "succeeded", "in_review", false, {
            commit: "abc123",
            reason: "changes to review"
          }),
          true
        );
        const task = await store.getTask(c!.task.taskId);
        assert.equal(task?.state, "in_review");
        assert.equal(task?.stateReason, "changes to review");
        assert.equal(task?.endedAt, null);
        const run = await store.getRun(fence.runId);
        assert.equal(run?.state, "succeeded");
        assert.equal(run?.commit, "abc123");
        assert.equal(run?.round, 1);
        assert.equal((await store.countTasksByState()).in_review, 1);
        assert.deepEqual(
          (await store.listTasks({ state: "in_review", limit: 5 })).tasks.map((t) => t.taskId),
          [task?.taskId]
        );
        assert.deepEqual(await claimAll(store, l, 5), []);
      }));

    test("a cancel requested during the run wins over in_review; only a run's end states are accepted", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task } = await store.createTask({ title: "t", prompt: "p" });
        const [c] = await claimAll(store, l, 1);
        assert.equal((await store.requestCancel(task.taskId, "stop"))?.outcome, "requested");
        for (const taskState of ["landing", "landed", "discarded"] as const) {
          await assert.rejects(finish(store, l, c!.run.runId, "succeeded", taskState, false), TypeError);
        }
        assert.equal(
          await finish(store, l, c!.run.runId, "succeeded", "in_review", false, { commit: "c1" }),
          true
        );
        const after = await store.getTask(task.taskId);
        assert.equal(after?.state, "cancelled");
        assert.equal(after?.stateReason, "stop");
        assert.ok(after?.endedAt);
        assert.equal((await store.getRun(c!.run.runId))?.commit, "c1");
      }));

    test("cancel of a task in review ends it at once", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task } = await runToReview(store, l);
        const result = await store.requestCancel(task.taskId, "not wanted");
        assert.equal(result?.outcome, "cancelled");
        assert.equal(result?.task.state, "cancelled");
        assert.equal(result?.task.stateReason, "not wanted");
        assert.ok(result?.task.endedAt);
      }));

    test("revise from in_review queues round 2 with the comment; its run carries the round", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task } = await runToReview(store, l, { maxAttempts: 2 });
        const outcome = await store.reviseTask(task.taskId, "also handle the empty case");
        assert.equal(outcome?.kind, "revised");
        const revised = outcome!.task;
        assert.equal(revised.state, "queued");
        assert.equal(revised.round, 2);
        assert.equal(revised.roundInput, "also handle the empty case");
        assert.equal(revised.attemptsSpent, 0);
        assert.equal(revised.cancelRequested, false);
        assert.equal(revised.stateReason, null);
        assert.equal(revised.endedAt, null);
        assert.equal(revised.baseBranch, "main");
        assert.deepEqual(await store.getTask(task.taskId), revised);
        const [c] = await claimAll(store, l, 1);
        assert.equal(c?.task.taskId, task.taskId);
        assert.equal(c?.run.round, 2);
        assert.equal(c?.run.attempt, 2);
        assert.equal(
          await finish(store, l, c!.run.runId, "succeeded", "in_review", false, { commit: "second" }),
          true
        );
        assert.deepEqual(
          (await store.listRuns(task.taskId)).map((r) => [r.round, r.commit]),
          [
            [1, `c-${task.lastRunId}`],
            [2, "second"]
          ]
        );
      }));

    test("revise from every ended state, with attempts and the cancel flag reset", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        for (const state of [
          "succeeded",
          "failed",
          "timed_out",
          "cancelled",
          "landed",
          "discarded"
        ] as const) {
          const taskId = await taskIn(store, l, state);
          const before = await store.getTask(taskId);
          assert.equal(before?.state, state);
          const outcome = await store.reviseTask(taskId, `again after ${state}`);
          assert.equal(outcome?.kind, "revised", state);
          assert.equal(outcome?.task.state, "queued");
          assert.equal(outcome?.task.round, 2);
          assert.equal(outcome?.task.attemptsSpent, 0);
          assert.equal(outcome?.task.cancelRequested, false);
          assert.equal(outcome?.task.endedAt, null);
          // The last land stays on record until another replaces it.
          assert.deepEqual(outcome?.task.landing, before?.landing);
          const [c] = await claimAll(store, l, 1);
          assert.equal(c?.run.round, 2);
          await finish(store, l, c!.run.runId, "succeeded", "succeeded", false);
        }
      }));

    test("revise is refused without a base branch, while waiting, running or landing; unknown is undefined", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        assert.equal(await store.reviseTask("task-none", "x"), undefined);
        const shared = await runToReview(store, l, { workspace: "shared" }, null);
        const noBranch = await store.reviseTask(shared.task.taskId, "x");
        assert.equal(noBranch?.kind, "not_revisable");
        assert.equal(noBranch?.task.state, "in_review");
        await assert.rejects(store.reviseTask(shared.task.taskId, ""), TypeError);

        const landing = (await runToReview(store, l)).task.taskId;
        assert.equal((await store.beginLanding(landing))?.kind, "begun");
        assert.equal((await store.reviseTask(landing, "x"))?.kind, "not_revisable");

        const { task } = await runToReview(store, l);
        assert.equal((await store.reviseTask(task.taskId, "first"))?.kind, "revised");
        const queued = await store.reviseTask(task.taskId, "second");
        assert.equal(queued?.kind, "not_revisable");
        assert.equal(queued?.task.round, 2);
        assert.equal(queued?.task.roundInput, "first");
        const [c] = await claimAll(store, l, 1);
        assert.equal((await store.reviseTask(task.taskId, "x"))?.kind, "not_revisable");
        await store.updateRun(
          { runId: c!.run.runId, owner: l.holder, term: l.term },
          { taskState: "needs_approval" }
        );
        assert.equal((await store.reviseTask(task.taskId, "x"))?.kind, "not_revisable");
        assert.equal((await store.getTask(task.taskId))?.round, 2);
      }));

    test("discard ends a task in review; other states refuse; the branch facts stay", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        assert.equal(await store.discardTask("task-none"), undefined);
        const { task } = await runToReview(store, l);
        const discarded = await store.discardTask(task.taskId, "not what I wanted");
        assert.equal(discarded?.state, "discarded");
        assert.equal(discarded?.stateReason, "not what I wanted");
        assert.ok(discarded?.endedAt);
        assert.equal(discarded?.baseBranch, "main");
        assert.equal(await store.discardTask(task.taskId), null);
        assert.equal((await store.requestCancel(task.taskId))?.outcome, "already_ended");
        const other = await runToReview(store, l);
        assert.equal((await store.discardTask(other.task.taskId))?.stateReason, "discarded");
        const queued = (await store.createTask({ title: "q", prompt: "p" })).task;
        assert.equal(await store.discardTask(queued.taskId), null);
        assert.equal((await store.getTask(queued.taskId))?.state, "queued");
      }));
  });
}
