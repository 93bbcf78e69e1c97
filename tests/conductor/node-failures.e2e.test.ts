// Issue 16, must-shows 2 and 3: a node killed (-9) or frozen (SIGSTOP) mid-run loses its runs to
// the leader's sweep once their run lease lapses; they run again elsewhere, never two at once,
// and a frozen node's late writes change nothing.
import assert from "node:assert/strict";
import test from "node:test";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { eventually } from "../support/http.js";
import { postToNode as post, waitForNodesUp } from "../support/cluster-nodes.js";

const TTL = 3000;
const ENV = { BAA_MAX_CONCURRENT_TASKS: "2", BAA_RUN_LEASE_TTL_MS: String(TTL) };

interface RunRow {
  run_id: string;
  task_id: string;
  owner: string;
  state: string;
  reason: string | null;
  started_at: Date;
  ended_at: Date | null;
}

const runsOf = (cluster: Cluster) =>
  cluster.schema.query<RunRow>(
    "select run_id, task_id, owner, state, reason, started_at, ended_at from runs order by task_id, started_at"
  );
const count = async (cluster: Cluster, sql: string, values: unknown[] = []) =>
  Number((await cluster.schema.query<{ n: string }>(`select count(*) as n from ${sql}`, values))[0]!.n);

/** Waits until `node` has `n` runs whose turns reached the model. */
async function runningTurns(cluster: Cluster, node: ClusterNode, n: number): Promise<RunRow[]> {
  return eventually(
    async () => {
      const rows = await cluster.schema.query<RunRow>(
        "select run_id, task_id, owner, state, reason, started_at, ended_at from runs where owner = $1 and state = 'running' and turn_id is not null",
        [node.nodeId]
      );
      return rows.length >= n ? rows : null;
    },
    `${node.nodeId} running ${n} turns`,
    60_000
  );
}

/** Invariant 1 from the runs table and from the model's request log: never two runs of a task at once. */
function assertNeverTwiceAtOnce(cluster: Cluster, runs: RunRow[], prefix: string): void {
  const byTask = new Map<string, RunRow[]>();
  for (const run of runs) byTask.set(run.task_id, [...(byTask.get(run.task_id) ?? []), run]);
  for (const [taskId, taskRuns] of byTask) {
    assert.equal(
      taskRuns.filter((r) => r.state === "succeeded").length,
      1,
      `${taskId} succeeded exactly once`
    );
    for (let i = 1; i < taskRuns.length; i++) {
      const before = taskRuns[i - 1]!;
      assert.ok(
        before.ended_at !== null && before.ended_at <= taskRuns[i]!.started_at,
        `${taskId}: two runs at once`
      );
    }
  }
  const streams = new Map<string, { receivedAt: number; closedAt: number | null }[]>();
  for (const r of cluster.model.requests) {
    if (!(r.lastUserText ?? "").startsWith(prefix)) continue;
    streams.set(r.lastUserText!, [
      ...(streams.get(r.lastUserText!) ?? []),
      { receivedAt: r.receivedAt, closedAt: r.closedAt }
    ]);
  }
  for (const [prompt, seen] of streams) {
    const sorted = [...seen].sort((x, y) => x.receivedAt - y.receivedAt);
    for (let i = 1; i < sorted.length; i++)
      assert.ok(
        sorted[i - 1]!.closedAt !== null && sorted[i - 1]!.closedAt! <= sorted[i]!.receivedAt,
        `${prompt}: two model streams at once`
      );
  }
}

/** kill -9 of node-b mid-run: its runs end abandoned within the run lease + 2 s of the kill. */
async function killWorkerMidRun(cluster: Cluster, b: ClusterNode): Promise<RunRow[]> {
  const inFlightB = await runningTurns(cluster, b, 1);
  await Promise.all([b.conductor.kill("SIGKILL"), b.codexd.kill("SIGKILL")]);
  const killedB = Date.now();
  const endedB = await eventually(
    async () => {
      const rows = await cluster.schema.query<RunRow>(
        "select run_id, task_id, owner, state, reason, started_at, ended_at from runs where owner = 'node-b' and run_id = any($1)",
        [inFlightB.map((r) => r.run_id)]
      );
      return rows.every((r) => r.state !== "running") ? rows : null;
    },
    "node-b's runs ended",
    30_000
  );
  for (const run of endedB) {
    if (run.state === "succeeded") continue; // ended just before the kill
    assert.equal(run.state, "abandoned", `${run.run_id}: ${run.state} ${run.reason}`);
    assert.match(run.reason ?? "", /run lease of node-b expired/);
    assert.ok(
      run.ended_at!.getTime() - killedB <= TTL + 2000,
      `${run.run_id} abandoned ${run.ended_at!.getTime() - killedB} ms after the kill`
    );
  }
  return endedB;
}

test("kill -9 of a worker node mid-run: its runs end abandoned within the run lease + 2 s and run again elsewhere; then kill -9 of the leader: another leads and the queue drains", {
  timeout: 300_000
}, async () => {
  const cluster = await startCluster({ leaseTtlMs: TTL, env: ENV });
  cluster.model.setDefaultReply((r) => ({
    kind: "slow_text",
    text: `reply to: ${r.lastUserText ?? ""}`,
    totalMs: 1500
  }));
  try {
    const a = await cluster.addNode("node-a", "primary");
    await eventually(
      async () => ((await cluster.rolez(a)).role === "leader" ? true : null),
      "node-a leading",
      30_000
    );
    const [b, c] = await Promise.all([
      cluster.addNode("node-b", "standby"),
      cluster.addNode("node-c", "standby")
    ]);
    await waitForNodesUp(cluster, a, [a, b!, c!]);
    for (let i = 0; i < 30; i += 10) {
      await Promise.all(
        Array.from({ length: 10 }, (_, k) =>
          cluster.createTask(
            a,
            { title: `kill ${i + k}`, prompt: `kill task ${i + k}`, cwd: cluster.workdir },
            { idempotencyKey: `kill-${i + k}` }
          )
        )
      );
    }

    const endedB = await killWorkerMidRun(cluster, b!);

    await eventually(
      async () => ((await count(cluster, "tasks where state = 'succeeded'")) >= 10 ? true : null),
      "ten tasks done",
      60_000
    );
    await runningTurns(cluster, a, 1);
    await Promise.all([a.conductor.kill("SIGKILL"), a.codexd.kill("SIGKILL")]);
    await eventually(
      async () => ((await cluster.rolez(c!)).role === "leader" ? true : null),
      "node-c leading",
      30_000
    );
    await eventually(
      async () => ((await count(cluster, "tasks where state = 'succeeded'")) === 30 ? true : null),
      "the queue drained on node-c",
      120_000
    );

    const runs = await runsOf(cluster);
    assertNeverTwiceAtOnce(cluster, runs, "kill task ");
    for (const run of endedB.filter((r) => r.state === "abandoned")) {
      const again = runs.find((r) => r.task_id === run.task_id && r.state === "succeeded")!;
      assert.notEqual(again.owner, "node-b", "run again on another node");
    }
    assert.equal(await count(cluster, "runs where state = 'running'"), 0);
    console.log(
      `runs: ${JSON.stringify(await cluster.schema.query("select owner, state, count(*) as n from runs group by owner, state order by owner, state"))}`
    );
  } finally {
    await cluster.stop();
  }
});

/** node-b frozen (SIGSTOP): its runs are swept within the run lease + 2 s and run again on node-a. */
async function freezeUntilSwept(cluster: Cluster, b: ClusterNode, inFlight: RunRow[]): Promise<void> {
  b.conductor.process.kill("SIGSTOP");
  const stoppedAt = Date.now();
  await eventually(
    async () => ((await count(cluster, "tasks where state = 'succeeded'")) === 2 ? true : null),
    "both tasks run again on node-a",
    60_000
  );
  for (const run of inFlight) {
    const [row] = await cluster.schema.query<RunRow>(
      "select state, reason, ended_at from runs where run_id = $1",
      [run.run_id]
    );
    assert.equal(row!.state, "abandoned");
    assert.ok(
      row!.ended_at!.getTime() - stoppedAt <= TTL + 2000,
      `swept ${row!.ended_at!.getTime() - stoppedAt} ms after the freeze`
    );
  }
}

/** node-b resumed: its late writes are logged stale and change nothing, and its turns are stopped. */
async function resumedChangesNothing(cluster: Cluster, b: ClusterNode, inFlight: RunRow[]): Promise<void> {
  const snapshot = async () =>
    JSON.stringify({
      runs: await cluster.schema.query("select * from runs order by run_id"),
      tasks: await cluster.schema.query(
        "select task_id, state, attempts_spent, run_count, last_run_id, updated_at, ended_at from tasks order by task_id"
      )
    });
  const before = await snapshot();

  b.conductor.process.kill("SIGCONT");
  const resumedAt = Date.now();
  const staleLines = await eventually(
    async () => {
      const lines = b.conductor.logLines().filter((l) => /stale/.test(String(l.msg)) && l.level >= 40);
      return inFlight.every((run) => lines.some((l) => l.runId === run.run_id)) ? lines : null;
    },
    "node-b logging its stale writes",
    30_000
  );
  assert.ok(staleLines.length >= inFlight.length);
  // Its turns are stopped: the minute-long model streams close soon after it wakes.
  await eventually(
    async () => {
      const first = cluster.model.requests
        .filter((r) => (r.lastUserText ?? "").startsWith("frozen task "))
        .slice(0, 2);
      return first.every((r) => r.closedAt !== null) ? true : null;
    },
    "node-b's turns stopped",
    20_000
  );
  const closedAfter = Math.max(
    ...cluster.model.requests
      .filter((r) => (r.lastUserText ?? "").startsWith("frozen task "))
      .slice(0, 2)
      .map((r) => r.closedAt! - resumedAt)
  );
  console.log(`node-b's turns closed ${closedAfter} ms after SIGCONT (they would have run 60 s)`);
  assert.equal(await snapshot(), before, "the resumed node's late writes changed nothing");
  const metrics = await fetch(`${b.conductor.base}/metrics`).then((r) => r.text());
  assert.match(metrics, /conductor_stale_writes_total\{write="(update|finish)"\} [1-9]/);
}

test("a worker frozen (SIGSTOP) past its run lease, then resumed: its late writes are stale, change nothing, and its turns are stopped", {
  timeout: 180_000
}, async () => {
  const cluster = await startCluster({ leaseTtlMs: TTL, env: ENV });
  // A task's first turn lasts a minute (still going when the frozen node wakes); its second, on
  // the other node, is quick.
  const seen = new Map<string, number>();
  cluster.model.setDefaultReply((r) => {
    const prompt = r.lastUserText ?? "";
    seen.set(prompt, (seen.get(prompt) ?? 0) + 1);
    return {
      kind: "slow_text",
      text: `reply to: ${prompt}`,
      totalMs: prompt.startsWith("frozen ") && seen.get(prompt) === 1 ? 60_000 : 200
    };
  });
  try {
    const a = await cluster.addNode("node-a", "primary");
    await eventually(
      async () => ((await cluster.rolez(a)).role === "leader" ? true : null),
      "node-a leading",
      30_000
    );
    const b = await cluster.addNode("node-b", "standby");
    await waitForNodesUp(cluster, a, [a, b]);
    // node-a drained: node-b claims both tasks.
    assert.equal((await post(a, "/v1/system/nodes/node-a/drain")).status, 200);
    for (let i = 0; i < 2; i++)
      await cluster.createTask(a, { title: `frozen ${i}`, prompt: `frozen task ${i}`, cwd: cluster.workdir });
    const inFlight = await runningTurns(cluster, b, 2);
    await eventually(
      async () =>
        cluster.model.requests.filter((r) => (r.lastUserText ?? "").startsWith("frozen task ")).length >= 2
          ? true
          : null,
      "both turns at the model"
    );
    assert.equal((await post(a, "/v1/system/nodes/node-a/resume")).status, 200);

    await freezeUntilSwept(cluster, b, inFlight);
    await resumedChangesNothing(cluster, b, inFlight);
  } finally {
    await cluster.stop();
  }
});
