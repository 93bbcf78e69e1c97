import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TaskSource } from "../../src/index.js";
import { withHarness, type EngineKind } from "./harness.js";
import { claimAll, finish, lead, runToReview } from "./steps.js";

const SOURCE: TaskSource = {
  kind: "github_issue",
  repo: "acme/widgets",
  number: 7,
  url: "https://github.com/acme/widgets/issues/7"
};
const KEY = "github:acme/widgets#7";

/** GitHub intake: one task per external key, waiting tasks follow edits, deliveries once, the comment ledger. */
export function githubContract(kind: EngineKind): void {
  describe(`${kind}: github intake`, () => {
    test("an external key makes one task, whichever create comes first; the source is kept", () =>
      withHarness(kind, async ({ store }) => {
        const first = await store.createTask(
          { title: "Fix it", prompt: "p", source: SOURCE },
          { externalKey: KEY }
        );
        assert.equal(first.created, true);
        assert.deepEqual(first.task.source, SOURCE);
        const again = await store.createTask(
          { title: "Fix it (webhook)", prompt: "p2", source: SOURCE },
          { externalKey: KEY }
        );
        assert.equal(again.created, false);
        assert.equal(again.task.taskId, first.task.taskId);
        assert.equal(again.task.title, "Fix it");
        // Concurrent creates (poll and webhook at once): still one.
        const racing = await Promise.all(
          [1, 2, 3, 4].map((n) =>
            store.createTask({ title: `race ${n}`, prompt: "p" }, { externalKey: "github:acme/widgets#8" })
          )
        );
        assert.equal(racing.filter((r) => r.created).length, 1);
        assert.equal(new Set(racing.map((r) => r.task.taskId)).size, 1);
        assert.equal((await store.findTaskByExternalKey(KEY))?.taskId, first.task.taskId);
        assert.equal(await store.findTaskByExternalKey("github:acme/widgets#99"), undefined);
        const plain = await store.createTask({ title: "plain", prompt: "p" });
        assert.equal(plain.task.source, null);
        assert.deepEqual((await store.getTask(first.task.taskId))?.source, SOURCE);
      }));

    test("open external tasks by prefix: exact prefix, ended ones left out", () =>
      withHarness(kind, async ({ store }) => {
        const a = (await store.createTask({ title: "a", prompt: "p" }, { externalKey: "github:acme/w_x#1" }))
          .task;
        await store.createTask({ title: "b", prompt: "p" }, { externalKey: "github:acme/wyx#2" });
        const c = (await store.createTask({ title: "c", prompt: "p" }, { externalKey: "github:acme/w_x#3" }))
          .task;
        await store.requestCancel(c.taskId, "gone");
        const open = await store.listOpenExternalTasks("github:acme/w_x#");
        assert.deepEqual(
          open.map((t) => t.taskId),
          [a.taskId]
        );
      }));

    test("a waiting task follows edits; a claimed one keeps what it was asked", () =>
      withHarness(kind, async ({ store }) => {
        const { task } = await store.createTask({ title: "old", prompt: "old prompt" }, { externalKey: KEY });
        const updated = await store.updateWaitingTask(task.taskId, { title: "new", prompt: "new prompt" });
        assert.equal(updated?.kind, "updated");
        assert.equal(updated?.task.prompt, "new prompt");
        assert.equal(
          (await store.updateWaitingTask(task.taskId, { title: "new", prompt: "new prompt" }))?.kind,
          "unchanged"
        );
        await assert.rejects(store.updateWaitingTask(task.taskId, { prompt: " " }), TypeError);
        assert.equal(await store.updateWaitingTask("task-unknown", { prompt: "x" }), undefined);
        const l = await lead(store, "node-a");
        await claimAll(store, l, 1);
        const refused = await store.updateWaitingTask(task.taskId, { prompt: "too late" });
        assert.equal(refused?.kind, "not_waiting");
        assert.equal((await store.getTask(task.taskId))?.prompt, "new prompt");
      }));

    test("a delivery id is claimed once; forgotten ones and expired ones may come again", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        assert.equal(await store.claimDelivery("d-1", { retentionMs: 60_000 }), true);
        assert.equal(await store.claimDelivery("d-1", { retentionMs: 60_000 }), false);
        const racing = await Promise.all(
          [1, 2, 3].map(() => store.claimDelivery("d-2", { retentionMs: 60_000 }))
        );
        assert.equal(racing.filter(Boolean).length, 1);
        await store.forgetDelivery("d-2");
        assert.equal(await store.claimDelivery("d-2", { retentionMs: 60_000 }), true);
        await assert.rejects(store.claimDelivery("", { retentionMs: 1 }), TypeError);
        // Past the retention the id is forgotten (the table stays bounded).
        if (h.kind === "sqlite") {
          await h.advance(120_000);
        } else {
          await h.raw("update github_deliveries set received_at = received_at - interval '2 minutes'");
        }
        assert.equal(await store.claimDelivery("d-3", { retentionMs: 60_000 }), true);
        const left = await h.raw<{ delivery_id: string }>(
          "select delivery_id from github_deliveries order by delivery_id"
        );
        assert.deepEqual(
          left.map((row) => row.delivery_id),
          ["d-3"]
        );
      }));

    test("the comment ledger: begun once, pending after an unrecorded attempt, sent once recorded", () =>
      withHarness(kind, async ({ store }) => {
        const { task } = await store.createTask({ title: "t", prompt: "p" }, { externalKey: KEY });
        assert.equal(await store.finishComment(task.taskId, "review", { commentId: 1, url: "u" }), false);
        const first = await store.beginComment(task.taskId, "review");
        assert.equal(first.outcome, "begun");
        assert.equal(first.entry.state, "sending");
        const second = await store.beginComment(task.taskId, "review");
        assert.equal(second.outcome, "pending");
        assert.equal(second.entry.attempts, 2);
        assert.equal(
          await store.finishComment(task.taskId, "review", { commentId: 4242, url: "https://x/c/4242" }),
          true
        );
        const third = await store.beginComment(task.taskId, "review");
        assert.equal(third.outcome, "sent");
        assert.equal(third.entry.commentId, 4242);
        assert.equal((await store.getComment(task.taskId, "review"))?.url, "https://x/c/4242");
        assert.equal(
          (await store.beginComment(task.taskId, "landed")).outcome,
          "begun",
          "another kind is its own row"
        );
        const racing = await Promise.all([1, 2, 3].map(() => store.beginComment(task.taskId, "failed")));
        assert.equal(racing.filter((r) => r.outcome === "begun").length, 1);
      }));

    test("tasks awaiting a comment: sourced, in the states asked, without that comment sent", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "node-a");
        const reviewed = await runToReview(store, l, { title: "r", source: SOURCE });
        // runToReview creates without a key; give this one its key through a fresh create instead.
        assert.equal(reviewed.task.state, "in_review");
        const { task } = await store.createTask(
          { title: "f", prompt: "p", maxAttempts: 1, source: SOURCE },
          { externalKey: KEY }
        );
        const [claim] = await claimAll(store, l, 1);
        await finish(store, l, claim!.run.runId, "failed", "failed", true);
        await store.createTask({ title: "plain", prompt: "p" });
        const failing = await store.listTasksAwaitingComment({
          kind: "failed",
          states: ["failed", "timed_out"],
          limit: 10
        });
        assert.deepEqual(
          failing.map((t) => t.taskId),
          [task.taskId]
        );
        await store.beginComment(task.taskId, "failed");
        assert.equal(
          (await store.listTasksAwaitingComment({ kind: "failed", states: ["failed"], limit: 10 })).length,
          1,
          "sending is not sent"
        );
        await store.finishComment(task.taskId, "failed", { commentId: 9, url: "u" });
        assert.deepEqual(
          await store.listTasksAwaitingComment({ kind: "failed", states: ["failed"], limit: 10 }),
          []
        );
        assert.deepEqual(await store.listTasksAwaitingComment({ kind: "review", states: [], limit: 10 }), []);
        // Without an external key a task is not an intake's: the reviewed one is not listed.
        assert.deepEqual(
          await store.listTasksAwaitingComment({ kind: "review", states: ["in_review"], limit: 10 }),
          []
        );
      }));
  });
}
