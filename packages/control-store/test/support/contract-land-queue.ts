import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { withHarness, type EngineKind } from "./harness.js";
import { lead, runToReview } from "./steps.js";

const MAIN = { repo: "/repos/app", target: "main", method: "rebase" as const };

/** The land queue: who may join, its order per repository and target, and who leaves it. */
export function landQueueContract(kind: EngineKind): void {
  describe(`${kind}: land queue`, () => {
    test("enqueue takes approved tasks only, once; the entry is on the task", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        assert.equal(await store.enqueueLand("task-none", MAIN), undefined);
        const { task } = await runToReview(store, l);
        const queued = await store.enqueueLand(task.taskId, MAIN);
        assert.equal(queued?.kind, "queued");
        assert.deepEqual(
          { ...queued?.task.landQueue, queuedAt: undefined },
          { ...MAIN, queuedAt: undefined }
        );
        assert.ok(
          Math.abs(Date.parse(queued!.task.landQueue!.queuedAt) - (await store.now()).getTime()) < 60_000
        );
        assert.equal(queued?.task.state, "in_review", "queueing does not change the state");
        const again = await store.enqueueLand(task.taskId, { ...MAIN, target: "dev" });
        assert.equal(again?.kind, "already_queued");
        assert.equal(again?.task.landQueue?.target, "main", "the first entry stands");

        const waiting = (await store.createTask({ title: "w", prompt: "p" })).task;
        const refused = await store.enqueueLand(waiting.taskId, MAIN);
        assert.equal(refused?.kind, "not_queueable");
        assert.equal(refused?.task.state, "queued");
        assert.equal((await store.getTask(waiting.taskId))?.landQueue, null);
      }));

    test("listLandQueue: by repository and target, oldest first; filters", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const ids: string[] = [];
        for (let i = 0; i < 4; i += 1)
          ids.push((await runToReview(store, l, { title: `t${i}` })).task.taskId);
        const [a, b, c, d] = ids as [string, string, string, string];
        await store.enqueueLand(c, MAIN);
        await store.enqueueLand(a, MAIN);
        await store.enqueueLand(d, { ...MAIN, target: "dev" });
        await store.enqueueLand(b, { ...MAIN, repo: "/repos/other" });
        const all = await store.listLandQueue();
        assert.deepEqual(
          all.map((task) => [task.landQueue?.repo, task.landQueue?.target, task.taskId]),
          [
            ["/repos/app", "dev", d],
            ["/repos/app", "main", c],
            ["/repos/app", "main", a],
            ["/repos/other", "main", b]
          ]
        );
        assert.deepEqual(
          (await store.listLandQueue({ repo: "/repos/app", target: "main" })).map((task) => task.taskId),
          [c, a]
        );
        assert.deepEqual(
          (await store.listLandQueue({ repo: "/repos/app" })).map((task) => task.taskId),
          [d, c, a]
        );
        assert.deepEqual(
          (await store.listLandQueue({ target: "main" })).map((task) => task.taskId),
          [c, a, b]
        );
        assert.deepEqual(await store.listLandQueue({ repo: "/nowhere" }), []);
      }));

    test("dequeue takes a task out once; it may join again at the end", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const first = (await runToReview(store, l)).task.taskId;
        const second = (await runToReview(store, l)).task.taskId;
        await store.enqueueLand(first, MAIN);
        await store.enqueueLand(second, MAIN);
        assert.equal(await store.dequeueLand(first), true);
        assert.equal(await store.dequeueLand(first), false);
        assert.equal(await store.dequeueLand("task-none"), false);
        assert.equal((await store.getTask(first))?.landQueue, null);
        assert.equal((await store.enqueueLand(first, MAIN))?.kind, "queued");
        assert.deepEqual(
          (await store.listLandQueue(MAIN)).map((task) => task.taskId),
          [second, first]
        );
      }));

    test("revise, discard and a landed land take a task out; a restored land keeps it queued", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const revised = (await runToReview(store, l)).task.taskId;
        const discarded = (await runToReview(store, l)).task.taskId;
        const landed = (await runToReview(store, l)).task.taskId;
        const restored = (await runToReview(store, l)).task.taskId;
        for (const id of [revised, discarded, landed, restored]) await store.enqueueLand(id, MAIN);

        assert.equal((await store.reviseTask(revised, "conflict in a.txt"))?.kind, "revised");
        assert.equal((await store.getTask(revised))?.landQueue, null);
        assert.ok(await store.discardTask(discarded));
        assert.equal((await store.getTask(discarded))?.landQueue, null);

        assert.equal((await store.beginLanding(landed))?.kind, "begun");
        assert.ok((await store.getTask(landed))?.landQueue, "landing keeps its place until it ends");
        await store.endLanding(landed, {
          kind: "landed",
          landing: { method: "rebase", target: "main", commit: "tip", remote: null, pullRequest: null }
        });
        assert.equal((await store.getTask(landed))?.landQueue, null);

        await store.beginLanding(restored);
        await store.endLanding(restored, { kind: "restore", state: "in_review", reason: "target_moved" });
        assert.deepEqual(
          (await store.listLandQueue(MAIN)).map((task) => task.taskId),
          [restored]
        );
      }));

    test("setOverlaps records the shared paths on the task", () =>
      withHarness(kind, async ({ store }) => {
        const l = await lead(store, "n1");
        const { task } = await runToReview(store, l);
        assert.deepEqual(task.overlaps, []);
        await store.setOverlaps(task.taskId, [{ taskId: "task-x", paths: ["a.txt", "b/c.ts"] }]);
        assert.deepEqual((await store.getTask(task.taskId))?.overlaps, [
          { taskId: "task-x", paths: ["a.txt", "b/c.ts"] }
        ]);
        await store.setOverlaps(task.taskId, []);
        assert.deepEqual((await store.getTask(task.taskId))?.overlaps, []);
      }));
  });
}
