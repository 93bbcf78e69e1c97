import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { openControlStore, type ControlStore } from "../src/index.js";
import { withHarness, type EngineKind, type Harness } from "./support/harness.js";
import { claimAll, finish, lead, runToReview, SCOPE } from "./support/steps.js";

async function outboxEvents(h: Harness): Promise<string[]> {
  const rows = await h.raw<{ task_id: string; event: string }>(
    "select task_id, event from notification_events order by seq"
  );
  return rows.map((row) => `${row.task_id} ${row.event}`);
}

async function prepareAll(store: ControlStore, urls: string[] = ["http://a.example/hook"]) {
  return store.prepareNotifications({ urls, retryForMs: 3_600_000, limit: 100 });
}

for (const kind of ["sqlite", "postgres"] as EngineKind[]) {
  describe(`${kind}: notification outbox`, () => {
    // Every path that changes a task's state, and what the outbox holds after it: one event per
    // change into a notified state, none for the others (queued, running, landing, a refused land).
    test("every state change path writes its event once, in the same transaction", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const l = await lead(store, "n1");
        const expected: string[] = [];

        // run ends: succeeded, failed (last attempt), timed_out, cancelled (cancel requested while running)
        for (const [runState, taskState] of [
          ["succeeded", "succeeded"],
          ["failed", "failed"],
          ["timed_out", "timed_out"]
        ] as const) {
          const { task } = await store.createTask({ title: runState, prompt: "p", maxAttempts: 1 });
          const [c] = await claimAll(store, l, 1);
          await finish(store, l, c!.run.runId, runState, taskState, runState !== "succeeded");
          expected.push(`${task.taskId} task.${taskState}`);
        }
        const running = (await store.createTask({ title: "cancel running", prompt: "p" })).task;
        const [rc] = await claimAll(store, l, 1);
        // needs_approval, back to running, needs_approval again: two events
        const fence = { runId: rc!.run.runId, owner: l.holder, term: l.term };
        await store.updateRun(fence, { taskState: "needs_approval" });
        await store.updateRun(fence, { taskState: "running" });
        await store.updateRun(fence, { taskState: "needs_approval" });
        expected.push(`${running.taskId} task.needs_approval`, `${running.taskId} task.needs_approval`);
        assert.equal((await store.requestCancel(running.taskId))?.outcome, "requested");
        await finish(store, l, rc!.run.runId, "cancelled", "cancelled", false);
        expected.push(`${running.taskId} task.cancelled`);

        // a failed run that will be retried: queued, no event
        const retried = (await store.createTask({ title: "retry", prompt: "p", maxAttempts: 2 })).task;
        const [fc] = await claimAll(store, l, 1);
        await finish(store, l, fc!.run.runId, "failed", "queued", true);

        // cancel of a queued task, at once
        await store.createTask({ title: "blocker", prompt: "p", notBefore: "2999-01-01T00:00:00Z" });
        const queued = (
          await store.createTask({ title: "queued", prompt: "p", notBefore: "2999-01-01T00:00:00Z" })
        ).task;
        assert.equal((await store.requestCancel(queued.taskId))?.outcome, "cancelled");
        expected.push(`${queued.taskId} task.cancelled`);

        // a dependency failure found by a claim: the dependent fails inside claimTasks
        const dep = (await store.createTask({ title: "dep", prompt: "p", notBefore: "2999-01-01T00:00:00Z" }))
          .task;
        const dependent = (
          await store.createTask({ title: "dependent", prompt: "p", dependsOn: [dep.taskId] })
        ).task;
        await store.requestCancel(dep.taskId);
        expected.push(`${dep.taskId} task.cancelled`);
        await store.requestCancel(retried.taskId);
        expected.push(`${retried.taskId} task.cancelled`);
        await claimAll(store, l, 5);
        expected.push(`${dependent.taskId} task.failed`);

        // review: in_review, discard; in_review, a refused land (no event), landed
        const discarded = (await runToReview(store, l, { title: "discard" })).task;
        expected.push(`${discarded.taskId} task.in_review`);
        await store.discardTask(discarded.taskId);
        expected.push(`${discarded.taskId} task.discarded`);
        const landed = (await runToReview(store, l, { title: "land" })).task;
        expected.push(`${landed.taskId} task.in_review`);
        await store.beginLanding(landed.taskId);
        await store.endLanding(landed.taskId, { kind: "restore", state: "in_review", reason: "conflict" });
        await store.beginLanding(landed.taskId);
        await store.endLanding(landed.taskId, {
          kind: "landed",
          landing: { method: "merge", target: "main", commit: "m", remote: null, pullRequest: null }
        });
        expected.push(`${landed.taskId} task.landed`);

        // a run abandoned by a lease takeover while a cancel was requested ends the task cancelled
        const abandoned = (await store.createTask({ title: "abandoned", prompt: "p" })).task;
        await claimAll(store, l, 1);
        await store.requestCancel(abandoned.taskId);
        await h.advance(60_000);
        const l2 = await lead(store, "n2");
        await store.abandonStaleRuns({ scope: SCOPE, holder: l2.holder, term: l2.term });
        expected.push(`${abandoned.taskId} task.cancelled`);

        assert.deepEqual((await outboxEvents(h)).sort(), expected.sort());
      }));

    test("events become one delivery per URL with the task in the body; claim, lease, settle", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const l = await lead(store, "n1");
        const { task } = await store.createTask({
          title: "t",
          prompt: "p",
          maxAttempts: 1,
          notify: ["http://own.example/x", "http://a.example/hook"]
        });
        assert.deepEqual(task.notify, ["http://own.example/x", "http://a.example/hook"]);
        const [c] = await claimAll(store, l, 1);
        await finish(store, l, c!.run.runId, "succeeded", "succeeded", false);
        assert.equal(await prepareAll(store), 2, "the node's URL and the task's own, the shared one once");
        assert.deepEqual(await outboxEvents(h), [], "prepared events leave the outbox");
        assert.equal(await prepareAll(store), 0);

        const first = await store.claimNotifications({ leaseMs: 30_000, limit: 10 });
        assert.deepEqual(first.map((d) => d.url).sort(), ["http://a.example/hook", "http://own.example/x"]);
        const body = JSON.parse(first[0]!.body) as { event: string; task: { taskId: string; state: string } };
        assert.equal(body.event, "task.succeeded");
        assert.equal(body.task.taskId, task.taskId);
        assert.equal(body.task.state, "succeeded");
        assert.equal(first[0]!.attempts, 1);
        assert.deepEqual(
          await store.claimNotifications({ leaseMs: 30_000, limit: 10 }),
          [],
          "leased rows are not claimed again"
        );

        const [a, b] = first;
        const retryAt = new Date((await store.now()).getTime() + 5_000).toISOString();
        assert.equal(
          await store.settleNotification(a!, {
            kind: "retry",
            status: 500,
            error: "HTTP 500",
            nextAttemptAt: retryAt
          }),
          true
        );
        assert.equal(
          await store.settleNotification(a!, { kind: "delivered", status: 200 }),
          false,
          "a settled claim is spent"
        );
        assert.equal(
          await store.settleNotification(
            { deliveryId: b!.deliveryId, leaseToken: "other" },
            { kind: "delivered", status: 200 }
          ),
          false
        );
        assert.equal(await store.settleNotification(b!, { kind: "delivered", status: 204 }), true);
        let stats = await store.notificationStats();
        assert.equal(stats.pending, 1);
        assert.equal(stats.delivered, 1);
        assert.equal(stats.lastFailure?.deliveryId, a!.deliveryId);
        assert.equal(stats.lastFailure?.status, 500);

        assert.deepEqual(
          await store.claimNotifications({ leaseMs: 30_000, limit: 10 }),
          [],
          "not before its retry time"
        );
        await h.raw("update notification_deliveries set next_attempt_at = $1", [new Date(0).toISOString()]);
        const again = await store.claimNotifications({ leaseMs: 30_000, limit: 10 });
        assert.equal(again.length, 1);
        assert.equal(again[0]!.deliveryId, a!.deliveryId, "the same delivery id on every attempt");
        assert.equal(again[0]!.body, a!.body, "the same bytes on every attempt");
        assert.equal(again[0]!.attempts, 2);
        assert.equal(
          await store.settleNotification(again[0]!, {
            kind: "failed",
            status: null,
            error: "connect refused"
          }),
          true
        );
        stats = await store.notificationStats();
        assert.deepEqual([stats.pending, stats.delivered, stats.failed], [0, 1, 1]);
        assert.equal(stats.lastFailure?.error, "connect refused");
        assert.equal(
          await store.purgeNotifications(new Date(Date.parse("2999-01-01T00:00:00Z")).toISOString()),
          2
        );
      }));

    test("an expired lease lets the delivery be claimed again; the old claim cannot settle it", () =>
      withHarness(kind, async (h) => {
        const { store } = h;
        const l = await lead(store, "n1");
        await store.createTask({ title: "t", prompt: "p", maxAttempts: 1 });
        const [c] = await claimAll(store, l, 1);
        await finish(store, l, c!.run.runId, "failed", "failed", true);
        await prepareAll(store);
        const [old] = await store.claimNotifications({ leaseMs: 30_000, limit: 10 });
        await h.raw("update notification_deliveries set lease_until = $1", [new Date(0).toISOString()]);
        const [taken] = await store.claimNotifications({ leaseMs: 30_000, limit: 10 });
        assert.equal(taken?.deliveryId, old?.deliveryId);
        assert.equal(await store.settleNotification(old!, { kind: "delivered", status: 200 }), false);
        assert.equal(await store.settleNotification(taken!, { kind: "delivered", status: 200 }), true);
      }));

    if (kind === "postgres") {
      test("two nodes preparing and claiming at once never share a row", () =>
        withHarness(kind, async (h) => {
          const other = await openControlStore({ ...h.openOptions, migrate: false });
          try {
            const { store } = h;
            const l = await lead(store, "n1");
            for (let i = 0; i < 20; i += 1)
              await store.createTask({ title: `t${i}`, prompt: "p", maxAttempts: 1 });
            const claims = await claimAll(store, l, 20);
            for (const c of claims) await finish(store, l, c.run.runId, "succeeded", "succeeded", false);
            const urls = ["http://a.example/1", "http://b.example/2"];
            const made = await Promise.all(
              [store, other, store, other].map((s) =>
                s.prepareNotifications({ urls, retryForMs: 60_000, limit: 7 })
              )
            );
            const rest = await prepareAll(store, urls);
            assert.equal(made.reduce((a, b) => a + b, 0) + rest, 40);
            const batches = await Promise.all(
              [store, other, store, other].map((s) => s.claimNotifications({ leaseMs: 30_000, limit: 15 }))
            );
            const ids = batches.flat().map((d) => d.deliveryId);
            assert.equal(new Set(ids).size, ids.length, "no delivery claimed twice");
            assert.equal(ids.length, 40);
          } finally {
            await other.close();
          }
        }));
    }
  });
}
