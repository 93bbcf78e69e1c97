import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { RUN_LEASE_SCOPE, type ControlStore, type NodeHeartbeat } from "../../src/index.js";
import { withHarness, type EngineKind } from "./harness.js";
import { lead } from "./steps.js";

const TTL = 10_000;
const RUN_TTL = 9_000;

const beat = (nodeId: string, extra: Partial<NodeHeartbeat> = {}): NodeHeartbeat => ({
  nodeId,
  address: `http://127.0.0.1:1${nodeId.length}`,
  labels: [],
  capacity: 2,
  running: 0,
  version: "test",
  executes: true,
  ttlMs: TTL,
  runLeaseTtlMs: RUN_TTL,
  ...extra
});

const claim = (
  store: ControlStore,
  nodeId: string,
  limit = 5,
  accepts?: (task: { cwd: string | null }) => boolean
) =>
  store.claimTasks({
    scope: RUN_LEASE_SCOPE,
    holder: nodeId,
    term: 0,
    limit,
    runLeaseTtlMs: RUN_TTL,
    ...(accepts === undefined ? {} : { accepts })
  });

/** Every node claims (issue 16): node rows, run leases, fencing by the run's own lease, the sweep. */
export function nodeLeaseContract(kind: EngineKind): void {
  describe(`${kind}: node run leases`, () => {
    test("a node claims only while its heartbeat is current, not draining, and executing", () =>
      withHarness(kind, async ({ store, advance }) => {
        await store.createTask({ title: "a", prompt: "p" });
        assert.deepEqual(await claim(store, "n1"), [], "never seen: no claim");
        await store.heartbeatNode(beat("n1", { executes: false }));
        assert.deepEqual(await claim(store, "n1"), [], "an API-only node claims nothing");
        await store.heartbeatNode(beat("n1"));
        assert.equal((await store.setNodeDraining("n1", true))?.state, "draining");
        assert.deepEqual(await claim(store, "n1"), [], "draining");
        await store.setNodeDraining("n1", false);
        await advance(TTL + 1);
        assert.equal((await store.listNodes())[0]?.state, "down");
        assert.deepEqual(await claim(store, "n1"), [], "a node past its heartbeat");
        await store.heartbeatNode(beat("n1"));
        const [claimed] = await claim(store, "n1");
        assert.equal(claimed?.run.owner, "n1");
        assert.equal(claimed?.run.term, 0, "epoch 0 at claim");
        assert.ok(claimed?.run.leaseExpiresAt);
        assert.equal(await store.setNodeDraining("nobody", true), undefined);
      }));

    test("labels and a node's own check decide what it may claim", () =>
      withHarness(kind, async ({ store }) => {
        const gpu = await store.createTask({ title: "gpu", prompt: "p", runsOn: ["gpu", "linux"] });
        const here = await store.createTask({ title: "cwd here", prompt: "p", cwd: "/here" });
        const elsewhere = await store.createTask({ title: "cwd elsewhere", prompt: "p", cwd: "/elsewhere" });
        assert.deepEqual(gpu.task.runsOn, ["gpu", "linux"]);
        await store.heartbeatNode(beat("plain", { labels: ["linux"] }));
        await store.heartbeatNode(beat("big", { labels: ["gpu", "linux", "mac"] }));
        const plain = await claim(store, "plain", 5, (task) => task.cwd !== "/elsewhere");
        assert.deepEqual(
          plain.map((c) => c.task.taskId),
          [here.task.taskId]
        );
        const big = await claim(store, "big");
        assert.deepEqual(
          big.map((c) => c.task.taskId).sort(),
          [gpu.task.taskId, elsewhere.task.taskId].sort()
        );
      }));

    test("one heartbeat renews every unexpired run lease of its node; a lapsed lease fences the owner's writes out", () =>
      withHarness(kind, async ({ store, advance }) => {
        await store.heartbeatNode(beat("n1"));
        for (const title of ["a", "b", "c"]) await store.createTask({ title, prompt: "p" });
        const claims = await claim(store, "n1");
        assert.equal(claims.length, 3);
        await advance(RUN_TTL - 1_000);
        const { renewed } = await store.heartbeatNode(beat("n1", { running: 3 }));
        assert.equal(renewed, 3);
        await advance(RUN_TTL - 1_000);
        const [first, second] = claims;
        const fence = (c: typeof first) => ({ runId: c!.run.runId, owner: "n1", term: 0 });
        assert.equal(
          await store.updateRun(fence(first), { lastEventAt: new Date().toISOString() }),
          true,
          "still held after the renewal"
        );
        await advance(2_000);
        // Lapsed: the owner's writes change nothing, and its next beat does not revive them.
        assert.equal(await store.updateRun(fence(first), { turnId: "late" }), false);
        assert.equal(
          await store.finishRun(fence(second), {
            runState: "succeeded",
            taskState: "succeeded",
            spendAttempt: false
          }),
          false
        );
        assert.equal((await store.heartbeatNode(beat("n1"))).renewed, 0);
        assert.equal(
          await store.updateRun({ ...fence(first), owner: "n2" }, {}),
          false,
          "another owner never writes it"
        );
      }));

    test("the leader's sweep ends lapsed runs abandoned and queues their tasks without spending an attempt", () =>
      withHarness(kind, async ({ store, advance }) => {
        await store.heartbeatNode(beat("n1"));
        await store.heartbeatNode(beat("n2"));
        const a = await store.createTask({ title: "a", prompt: "p" });
        const b = await store.createTask({ title: "b", prompt: "p" });
        const [runA] = await claim(store, "n1", 1);
        const [runB] = await claim(store, "n2", 1);
        await store.requestCancel(b.task.taskId);
        const leader = await lead(store, "n2");
        assert.deepEqual(await store.expireRunLeases(leader), [], "nothing lapsed yet");
        await advance(RUN_TTL + 1);
        await store.heartbeatNode(beat("n2"));
        const swept = await store.expireRunLeases(leader);
        assert.deepEqual(swept.map((r) => r.runId).sort(), [runA!.run.runId, runB!.run.runId].sort());
        assert.ok(swept.every((r) => r.state === "abandoned"));
        const taskA = await store.getTask(a.task.taskId);
        assert.equal(taskA?.state, "queued");
        assert.equal(taskA?.attemptsSpent, 0);
        assert.equal((await store.getTask(b.task.taskId))?.state, "cancelled", "a cancel asked for wins");
        assert.deepEqual(
          await store.expireRunLeases({ ...leader, holder: "n1" }),
          [],
          "only the leader sweeps"
        );
        // The task runs again elsewhere, once.
        await store.heartbeatNode(beat("n2"));
        const again = await claim(store, "n2");
        assert.deepEqual(
          again.map((c) => [c.task.taskId, c.run.attempt]),
          [[a.task.taskId, 2]]
        );
      }));

    test("racing claims of several nodes take each task once", () =>
      withHarness(kind, async ({ store }) => {
        const nodes = ["n1", "n2", "n3", "n4"];
        for (const node of nodes) await store.heartbeatNode(beat(node));
        for (let i = 0; i < 12; i += 1) await store.createTask({ title: `t${i}`, prompt: "p" });
        const rounds = await Promise.all(
          nodes.flatMap((node) => [claim(store, node, 2), claim(store, node, 2)])
        );
        const ids = rounds.flat().map((c) => c.task.taskId);
        assert.equal(ids.length, new Set(ids).size, "no task claimed twice");
        assert.ok(ids.length <= 12);
      }));

    test("placement: a queued task whose labels no live node has says so, until one comes", () =>
      withHarness(kind, async ({ store, advance }) => {
        const { task } = await store.createTask({ title: "arm", prompt: "p", runsOn: ["arm64"] });
        await store.heartbeatNode(beat("x86", { labels: ["linux"] }));
        assert.equal(await store.notePlacement(), 1);
        assert.match(
          (await store.getTask(task.taskId))?.stateReason ?? "",
          /no live node has the labels arm64/
        );
        assert.equal(await store.notePlacement(), 0, "said once");
        await store.heartbeatNode(beat("pi", { labels: ["arm64"] }));
        assert.equal(await store.notePlacement(), 1);
        assert.equal((await store.getTask(task.taskId))?.stateReason, null);
        await advance(TTL + 1);
        await store.notePlacement();
        assert.match(
          (await store.getTask(task.taskId))?.stateReason ?? "",
          /arm64/,
          "the arm node went down"
        );
      }));
  });
}
