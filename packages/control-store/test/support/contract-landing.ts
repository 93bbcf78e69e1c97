import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { withHarness, type EngineKind } from "./harness.js";
import { claimAll, finish, lead, runToReview } from "./steps.js";

const LOCAL_LAND = {
  method: "merge" as const,
  target: "main",
  commit: "tip1",
  remote: null,
  pullRequest: null
};
const PUSH = { remote: "origin", branch: "baa/t", commit: "c9" };

/** Landing: begin/end, one land at a time, recovery after a stop, and what dependents see. */
export function landingContract(kind: EngineKind): void {
  describe(`${kind}: landing`, () => {
    test("in_review → landing → landed records the land and the push; landed is ended", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        assert.equal(await store.beginLanding("task-none"), undefined);
        const { task } = await runToReview(store, l);
        const begun = await store.beginLanding(task.taskId);
        assert.equal(begun?.kind, "begun");
        assert.equal(begun?.kind === "begun" && begun.from, "in_review");
        assert.equal(begun?.task.state, "landing");
        assert.equal(begun?.task.endedAt, null);
        assert.equal((await store.requestCancel(task.taskId))?.outcome, "busy");
        assert.equal((await store.getTask(task.taskId))?.cancelRequested, false);
        assert.equal(await store.discardTask(task.taskId), null);

        const landing = {
          ...LOCAL_LAND,
          remote: "origin",
          pullRequest: { number: 7, url: "https://example.test/pr/7" }
        };
        assert.equal(await store.endLanding(task.taskId, { kind: "landed", landing, push: PUSH }), true);
        const now = (await store.now()).getTime();
        const landed = await store.getTask(task.taskId);
        assert.equal(landed?.state, "landed");
        assert.equal(landed?.stateReason, null);
        assert.ok(landed?.endedAt);
        assert.deepEqual({ ...landed?.landing, landedAt: undefined }, { ...landing, landedAt: undefined });
        assert.ok(Math.abs(Date.parse(landed!.landing!.landedAt) - now) < 60_000);
        assert.deepEqual({ ...landed?.push, pushedAt: undefined }, { ...PUSH, pushedAt: undefined });
        assert.equal(landed?.push?.pushedAt, landed?.landing?.landedAt);
        assert.equal(await store.endLanding(task.taskId, { kind: "landed", landing: LOCAL_LAND }), false);
        assert.equal((await store.beginLanding(task.taskId))?.kind, "wrong_state");
        assert.equal((await store.requestCancel(task.taskId))?.outcome, "already_ended");
        assert.equal((await store.countTasksByState()).landed, 1);
      }));

    test("a refused land restores the state it began from, with the reason and any push", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task } = await runToReview(store, l);
        assert.equal(
          await store.endLanding(task.taskId, { kind: "restore", state: "in_review", reason: "x" }),
          false
        );
        await store.beginLanding(task.taskId);
        assert.equal(
          await store.endLanding(task.taskId, {
            kind: "restore",
            state: "in_review",
            reason: "land_conflict: a.txt",
            push: PUSH
          }),
          true
        );
        const back = await store.getTask(task.taskId);
        assert.equal(back?.state, "in_review");
        assert.equal(back?.stateReason, "land_conflict: a.txt");
        assert.equal(back?.endedAt, null);
        assert.equal(back?.landing, null);
        assert.equal(back?.push?.commit, "c9");

        // A succeeded task lands only with a base branch, and a refusal ends it succeeded again.
        const plain = (await store.createTask({ title: "plain", prompt: "p" })).task;
        const [c] = await claimAll(store, l, 1);
        await finish(store, l, c!.run.runId, "succeeded", "succeeded", false);
        assert.equal((await store.beginLanding(plain.taskId))?.kind, "wrong_state");
        const withBranch = (await store.createTask({ title: "branch", prompt: "p", review: "none" })).task;
        const [d] = await claimAll(store, l, 1);
        await store.updateRun({ runId: d!.run.runId, owner: l.holder, term: l.term }, { baseBranch: "dev" });
        await finish(store, l, d!.run.runId, "succeeded", "succeeded", false);
        const begun = await store.beginLanding(withBranch.taskId);
        assert.equal(begun?.kind === "begun" && begun.from, "succeeded");
        await assert.rejects(
          store.endLanding(withBranch.taskId, { kind: "restore", state: "queued" as never, reason: "x" }),
          TypeError
        );
        assert.equal(
          await store.endLanding(withBranch.taskId, {
            kind: "restore",
            state: "succeeded",
            reason: "target_worktree_dirty"
          }),
          true
        );
        const restored = await store.getTask(withBranch.taskId);
        assert.equal(restored?.state, "succeeded");
        assert.ok(restored?.endedAt);
        assert.equal(restored?.push, null);
      }));

    test("lands of one task at once: exactly one begins, round after round", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task } = await runToReview(store, l);
        for (let round = 0; round < 6; round += 1) {
          const outcomes = await Promise.all(
            Array.from({ length: 5 }, () => store.beginLanding(task.taskId))
          );
          assert.equal(outcomes.filter((o) => o?.kind === "begun").length, 1, `round ${round}`);
          for (const o of outcomes) if (o?.kind === "wrong_state") assert.equal(o.task.state, "landing");
          assert.equal(
            await store.endLanding(task.taskId, {
              kind: "restore",
              state: "in_review",
              reason: `round ${round}`
            }),
            true
          );
        }
      }));

    test("recoverLandings sends lands left since before a time back to review", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const before = (await store.now()).toISOString();
        const { task } = await runToReview(store, l);
        const waiting = await runToReview(store, l);
        await store.beginLanding(task.taskId);
        assert.deepEqual(await store.recoverLandings(before), []);
        assert.equal((await store.getTask(task.taskId))?.state, "landing");
        const later = new Date((await store.now()).getTime() + 1_000).toISOString();
        assert.deepEqual(await store.recoverLandings(later), [task.taskId]);
        const back = await store.getTask(task.taskId);
        assert.equal(back?.state, "in_review");
        assert.match(back?.stateReason ?? "", /landing interrupted/);
        assert.equal((await store.getTask(waiting.task.taskId))?.stateReason, null);
        assert.equal(await store.endLanding(task.taskId, { kind: "landed", landing: LOCAL_LAND }), false);
        assert.equal((await store.beginLanding(task.taskId))?.kind, "begun");
        await assert.rejects(store.recoverLandings("soon"), TypeError);
      }));

    test("dependents: landed is done, discarded fails them, in_review and landing keep them blocked", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task: a } = await runToReview(store, l, { title: "a" });
        const b = (await store.createTask({ title: "b", prompt: "p", dependsOn: [a.taskId] })).task;
        assert.equal(b.state, "blocked");
        assert.deepEqual(await claimAll(store, l, 5), []);
        await store.beginLanding(a.taskId);
        assert.deepEqual(await claimAll(store, l, 5), []);
        assert.equal((await store.getTask(b.taskId))?.state, "blocked");
        await store.endLanding(a.taskId, { kind: "landed", landing: LOCAL_LAND });
        const [cb] = await claimAll(store, l, 5);
        assert.equal(cb?.task.taskId, b.taskId);
        await finish(store, l, cb!.run.runId, "succeeded", "succeeded", false);
        assert.equal(
          (await store.createTask({ title: "after landed", prompt: "p", dependsOn: [a.taskId] })).task.state,
          "queued"
        );
        const [late] = await claimAll(store, l, 5);
        await finish(store, l, late!.run.runId, "succeeded", "succeeded", false);

        const { task: d } = await runToReview(store, l, { title: "d" });
        const c = (await store.createTask({ title: "c", prompt: "p", dependsOn: [d.taskId] })).task;
        const e = (await store.createTask({ title: "e", prompt: "p", dependsOn: [c.taskId] })).task;
        await store.discardTask(d.taskId);
        assert.deepEqual(await claimAll(store, l, 5), []);
        const fc = await store.getTask(c.taskId);
        assert.equal(fc?.state, "failed");
        assert.equal(fc?.stateReason, `dependency ${d.taskId} ended discarded`);
        assert.equal((await store.getTask(e.taskId))?.state, "failed");
      }));
  });
}
