// Must-show 5 of the control-plane issue, through a conductor process (SQLite in its state dir,
// the default) and codexd running the real codex binary against the mock model: pause, resume,
// drain, the mode across a restart, and a restart in the middle of running work.
import assert from "node:assert/strict";
import test from "node:test";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { eventually, getJson, request } from "../support/http.js";

const state = async (node: ClusterNode) =>
  (await getJson(`${node.conductor.base}/v1/system/state`)).body.data;
const task = async (node: ClusterNode, taskId: string) =>
  (await getJson(`${node.conductor.base}/v1/tasks/${taskId}`)).body.data.task;
const runs = async (node: ClusterNode, taskId: string) =>
  (await getJson(`${node.conductor.base}/v1/tasks/${taskId}/runs`)).body.data.runs as any[];
const setMode = async (node: ClusterNode, action: "pause" | "resume" | "drain") => {
  const answer = await request("POST", `${node.conductor.base}/v1/system/${action}`, {
    reason: `test ${action}`
  });
  assert.equal(answer.status, 200, answer.text);
  return answer.body.data;
};
const waitTasks = (node: ClusterNode, ids: string[], ok: (t: any) => boolean, what: string) =>
  eventually(
    async () => {
      const tasks = await Promise.all(ids.map((id) => task(node, id)));
      return tasks.every(ok) ? tasks : null;
    },
    what,
    60_000
  );
const modelSaw = (cluster: Cluster, prompt: string) =>
  cluster.model.requests.filter((r) => r.lastUserText === prompt).length;

/**
 * Samples a condition for several scheduler polls (50 ms each): what must NOT happen has no
 * signal to wait for, so the window is many poll intervals long.
 */
async function holdsFor(what: string, check: () => Promise<boolean>, polls = 20): Promise<void> {
  for (let i = 0; i < polls; i++) {
    assert.ok(await check(), what);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("pause, resume and drain through the real binary; the mode and every task survive restarts; running work is re-queued after a kill -9", async () => {
  const cluster = await startCluster({
    leaseTtlMs: 1500,
    database: "sqlite",
    env: { BAA_MAX_CONCURRENT_TASKS: "4" }
  });
  cluster.model.setDefaultReply((r) =>
    (r.lastUserText ?? "").startsWith("slow ")
      ? { kind: "slow_text", text: `slow reply to: ${r.lastUserText}`, totalMs: 3000 }
      : { kind: "text", text: `mock reply to: ${r.lastUserText ?? ""}` }
  );
  const create: Create = (node, prompt) =>
    cluster.createTask(node, { title: prompt, prompt, cwd: cluster.workdir });
  try {
    const node = await cluster.addNode("solo", "primary");
    await eventually(async () => ((await state(node)).claiming === true ? true : null), "claiming", 30_000);
    await pauseThenResume(cluster, node, create);
    const heldIds = await drainHoldsNewWork(cluster, node, create);
    await restartKeepsTheMode(cluster, node, heldIds);
    await killDuringRuns(cluster, node, create);
  } finally {
    await cluster.stop();
  }
});

type Create = (node: ClusterNode, prompt: string) => Promise<string>;

/** Pause: nothing is claimed, however long it waits. Resume: the queued work runs. */
async function pauseThenResume(cluster: Cluster, node: ClusterNode, create: Create): Promise<void> {
  const paused = await setMode(node, "pause");
  assert.equal(paused.mode, "paused");
  assert.equal(paused.claiming, false);
  const pausedIds = [await create(node, "paused 0"), await create(node, "paused 1")];
  await holdsFor("no claim while paused", async () => {
    const s = await state(node);
    return s.mode === "paused" && s.running.count === 0 && s.tasks.queued === 2;
  });
  assert.equal(modelSaw(cluster, "paused 0") + modelSaw(cluster, "paused 1"), 0);

  // Resume: the queued work runs.
  assert.equal((await setMode(node, "resume")).mode, "running");
  await waitTasks(node, pausedIds, (t) => t.state === "succeeded", "paused tasks succeeded after resume");
}

/** Drain: what runs finishes, nothing new starts, then the state reads drained; returns the held tasks. */
async function drainHoldsNewWork(cluster: Cluster, node: ClusterNode, create: Create): Promise<string[]> {
  const slowIds = [await create(node, "slow drain 0"), await create(node, "slow drain 1")];
  await waitTasks(node, slowIds, (t) => t.state === "running", "slow tasks running");
  await eventually(
    async () => (modelSaw(cluster, "slow drain 0") + modelSaw(cluster, "slow drain 1") === 2 ? true : null),
    "slow turns at the model"
  );
  const draining = await setMode(node, "drain");
  assert.equal(draining.mode, "draining");
  assert.equal(draining.drained, false, "still running");
  assert.deepEqual(
    new Set(draining.running.runs.map((r: any) => r.taskId)),
    new Set(slowIds),
    "says what still runs"
  );
  const heldIds = [await create(node, "after drain 0"), await create(node, "after drain 1")];
  const drained = await eventually(
    async () => {
      const s = await state(node);
      return s.drained === true ? s : null;
    },
    "drained",
    60_000
  );
  assert.equal(drained.mode, "draining");
  assert.equal(drained.running.count, 0);
  for (const id of slowIds) assert.equal((await task(node, id)).state, "succeeded", "running work finished");
  for (const id of heldIds) {
    assert.equal((await task(node, id)).state, "queued", "nothing new started");
    assert.deepEqual(await runs(node, id), []);
  }
  return heldIds;
}

/** A clean restart: the mode is read back from the store, the queued tasks are still there. */
async function restartKeepsTheMode(cluster: Cluster, node: ClusterNode, heldIds: string[]): Promise<void> {
  await node.restartConductor("SIGTERM");
  const afterRestart = await eventually(
    async () => {
      const s = await state(node);
      return s.node.role === "leader" ? s : null;
    },
    "leading after restart",
    30_000
  );
  assert.equal(afterRestart.mode, "draining");
  assert.equal(afterRestart.claiming, false);
  await holdsFor(
    "still nothing claimed after the restart",
    async () => (await state(node)).tasks.queued === 2
  );
  assert.equal(modelSaw(cluster, "after drain 0") + modelSaw(cluster, "after drain 1"), 0);
  assert.equal((await setMode(node, "resume")).mode, "running");
  await waitTasks(node, heldIds, (t) => t.state === "succeeded", "held tasks succeeded after resume");
}

/**
 * kill -9 while two slow runs are in flight: the restarted conductor keeps every task and
 * re-queues the runs it left (no attempt spent), which then succeed.
 */
async function killDuringRuns(cluster: Cluster, node: ClusterNode, create: Create): Promise<void> {
  const crashIds = [await create(node, "slow crash 0"), await create(node, "slow crash 1")];
  await waitTasks(node, crashIds, (t) => t.state === "running", "crash tasks running");
  await eventually(
    async () => (modelSaw(cluster, "slow crash 0") + modelSaw(cluster, "slow crash 1") === 2 ? true : null),
    "crash turns at the model"
  );
  const listBefore = (await getJson(`${node.conductor.base}/v1/tasks?limit=100`)).body.data.tasks
    .map((t: any) => t.taskId)
    .sort();
  await node.restartConductor("SIGKILL");
  const finished = await waitTasks(
    node,
    crashIds,
    (t) => t.state === "succeeded",
    "crash tasks succeeded after the restart"
  );
  for (const t of finished) {
    assert.equal(t.attemptsSpent, 0, "the interrupted run spent no attempt");
    const taskRuns = await runs(node, t.taskId);
    assert.deepEqual(
      taskRuns.map((r) => r.state).sort(),
      ["abandoned", "succeeded"],
      `${t.taskId}: ${taskRuns.map((r) => r.state)}`
    );
  }
  const listAfter = (await getJson(`${node.conductor.base}/v1/tasks?limit=100`)).body.data.tasks
    .map((t: any) => t.taskId)
    .sort();
  assert.deepEqual(listAfter, listBefore, "every task kept");
  assert.equal(listAfter.length, 8);
  const final = await state(node);
  assert.equal(final.mode, "running");
  assert.equal(final.tasks.succeeded, 8);
}
