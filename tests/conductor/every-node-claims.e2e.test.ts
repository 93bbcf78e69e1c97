// Issue 16, must-show 1: every node claims. Three conductors, each with its own codexd (the real
// codex binary), on one PostgreSQL schema; 36 tasks of 1.5 s turns, capacity 2 per node.
import assert from "node:assert/strict";
import test from "node:test";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { postToNode as post, waitForNodesUp } from "../support/cluster-nodes.js";
import { eventually, request } from "../support/http.js";

// Throughput, not failure, is measured here: a run lease long enough that a loaded machine's
// slow heartbeat never costs a run (the failure tests use 3 s).
const RUN_LEASE_TTL = 10_000;
const TASKS = 36;
const TURN_MS = 1500;

const CLUSTER_ENV = {
  BAA_MAX_CONCURRENT_TASKS: "2",
  BAA_RUN_LEASE_TTL_MS: String(RUN_LEASE_TTL)
};

const succeededAmong = async (cluster: Cluster, prefix: string) =>
  Number(
    (
      await cluster.schema.query<{ n: string }>(
        "select count(*) as n from tasks where state = 'succeeded' and prompt like $1",
        [`${prefix}%`]
      )
    )[0]!.n
  );

/** Creates the tasks while the system is paused, then resumes it and times the queue's drain. */
async function drainTimed(cluster: Cluster, via: ClusterNode, prefix: string): Promise<number> {
  assert.equal((await post(via, "/v1/system/pause")).status, 200);
  for (let i = 0; i < TASKS; i += 12) {
    await Promise.all(
      Array.from({ length: 12 }, (_, k) =>
        cluster.createTask(
          via,
          { title: `${prefix}${i + k}`, prompt: `${prefix}${i + k}`, cwd: cluster.workdir },
          { idempotencyKey: `${prefix}${i + k}` }
        )
      )
    );
  }
  const started = Date.now();
  assert.equal((await post(via, "/v1/system/resume")).status, 200);
  let last = -1;
  await eventually(
    async () => {
      const done = await succeededAmong(cluster, prefix);
      if (done !== last) console.log(`${prefix}: ${done} succeeded after ${Date.now() - started} ms`);
      last = done;
      return done === TASKS ? true : null;
    },
    `${prefix}: all tasks succeeded`,
    120_000
  );
  return Date.now() - started;
}

test("three nodes claim from one queue: 36 tasks succeed exactly once, every node runs some, in well under the time of one node", {
  timeout: 240_000
}, async () => {
  const cluster = await startCluster({ leaseTtlMs: RUN_LEASE_TTL, env: CLUSTER_ENV });
  cluster.model.setDefaultReply((r) => ({
    kind: "slow_text",
    text: `reply to: ${r.lastUserText ?? ""}`,
    totalMs: TURN_MS
  }));
  try {
    const a = await cluster.addNode("node-a", "primary");
    await waitForNodesUp(cluster, a, [a]);
    const oneNodeMs = await drainTimed(cluster, a, "one node task ");

    const [b, c] = await Promise.all([
      cluster.addNode("node-b", "standby"),
      cluster.addNode("node-c", "standby")
    ]);
    await waitForNodesUp(cluster, a, [a, b!, c!]);
    const threeNodesMs = await drainTimed(cluster, b!, "three nodes task ");
    const ratio = threeNodesMs / oneNodeMs;
    console.log(
      `one node: ${oneNodeMs} ms; three nodes: ${threeNodesMs} ms; ratio ${ratio.toFixed(2)} (${(1 / ratio).toFixed(2)}x throughput)`
    );

    const runs = await cluster.schema.query<{
      task_id: string;
      owner: string;
      state: string;
      term: number;
      lease_expires_at: Date | null;
    }>(
      "select r.task_id, r.owner, r.state, r.term, r.lease_expires_at from runs r join tasks t on t.task_id = r.task_id where t.prompt like 'three nodes task %'"
    );
    assert.equal(runs.length, TASKS, "one run per task");
    assert.ok(
      runs.every((r) => r.state === "succeeded" && r.term === 0 && r.lease_expires_at !== null),
      "node runs: epoch 0, their own lease"
    );
    assert.equal(new Set(runs.map((r) => r.task_id)).size, TASKS);
    const perNode = new Map<string, number>();
    for (const run of runs) perNode.set(run.owner, (perNode.get(run.owner) ?? 0) + 1);
    console.log(`runs per node: ${JSON.stringify(Object.fromEntries(perNode))}`);
    for (const node of [a, b!, c!]) assert.ok((perNode.get(node.nodeId) ?? 0) > 0, `${node.nodeId} ran some`);
    // Exactly once, from the model's side too: one request per prompt.
    for (let i = 0; i < TASKS; i++) {
      assert.equal(
        cluster.model.requests.filter((r) => r.lastUserText === `three nodes task ${i}`).length,
        1,
        `three nodes task ${i} reached the model once`
      );
    }
    // The goal is 0.45 (measured 0.43 on a quiet machine; bench/cluster-throughput.mjs reports
    // it): a test on a shared machine only holds the cluster to clearly more than one node's
    // throughput, so noise cannot fail it (timed goals live in bench/).
    assert.ok(ratio <= 0.7, `three nodes took ${ratio.toFixed(2)}x the time of one`);

    // The run-lease counters on /metrics, and the node list on /v1/system/state.
    const metrics = await request("GET", `${b!.conductor.base}/metrics`);
    assert.match(metrics.text, /conductor_run_lease_renewals_total [1-9]/);
    assert.match(metrics.text, /conductor_node_heartbeats_total [1-9]/);
    const state = await request("GET", `${c!.conductor.base}/v1/system/state`);
    assert.deepEqual(
      state.body.data.nodes.map((n: { nodeId: string }) => n.nodeId),
      ["node-a", "node-b", "node-c"]
    );
  } finally {
    await cluster.stop();
  }
});
