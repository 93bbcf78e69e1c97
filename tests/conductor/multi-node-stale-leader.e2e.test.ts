// Must-show 3 of the control-plane issue, second half: a leader process paused (SIGSTOP) past
// its lease while it runs turns, then resumed (SIGCONT), writes nothing: its late writes change
// 0 rows and it logs them as stale.
import assert from "node:assert/strict";
import test from "node:test";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { eventually } from "../support/http.js";

const TTL = 3000;
const SLOW = 4;
const FAST = 10;

interface InFlightRun {
  run_id: string;
  task_id: string;
  term: number;
}

const snapshot = async (cluster: Cluster) =>
  JSON.stringify({
    runs: await cluster.schema.query("select * from runs order by run_id"),
    tasks: await cluster.schema.query(
      "select task_id, state, attempts_spent, run_count, last_run_id, updated_at, ended_at from tasks order by task_id"
    )
  });

test("a leader paused past its lease and resumed writes nothing: its late writes are fenced and logged as stale", async () => {
  // Every node claims: node-a's runs hold run leases of TTL, swept by the leader once they lapse.
  const cluster = await startCluster({
    leaseTtlMs: TTL,
    env: { BAA_MAX_CONCURRENT_TASKS: "6", BAA_RUN_LEASE_TTL_MS: String(TTL) }
  });
  // Slow turns keep the paused leader's runs in flight while the other node takes over.
  cluster.model.setDefaultReply((r) =>
    (r.lastUserText ?? "").startsWith("slow ")
      ? { kind: "slow_text", text: `slow reply to: ${r.lastUserText}`, totalMs: 15_000 }
      : { kind: "text", text: `mock reply to: ${r.lastUserText ?? ""}` }
  );
  try {
    const a = await cluster.addNode("node-a", "primary");
    await eventually(
      async () => ((await cluster.rolez(a)).role === "leader" ? true : null),
      "node-a leading",
      30_000
    );
    // The slow turns go to node-a before node-b joins (every node claims).
    for (let i = 0; i < SLOW; i++)
      await cluster.createTask(a, {
        title: `slow ${i}`,
        prompt: `slow task ${i}`,
        cwd: cluster.workdir,
        priority: 10
      });

    const inFlight = await slowRunsOnNodeA(cluster);
    const b = await cluster.addNode("node-b", "standby");
    assert.equal((await cluster.rolez(b)).role, "standby");
    for (let i = 0; i < FAST; i++)
      await cluster.createTask(b, { title: `fast ${i}`, prompt: `fast task ${i}`, cwd: cluster.workdir });
    a.conductor.process.kill("SIGSTOP");
    const stoppedAt = new Date();

    await nodeBLeadsAndRunsEverything(cluster, b, inFlight);
    const before = await snapshot(cluster);
    // node-a's codexd finished the slow turns meanwhile: node-a wakes up to them.
    await oldTurnsFinished(cluster, inFlight);

    await resumedLeaderWritesNothing(cluster, a, inFlight, { before, stoppedAt });
  } catch (error) {
    await logWhatTheNodesSaid(cluster);
    throw error;
  } finally {
    await cluster.stop();
  }
});

/** node-b takes over and runs every task; the paused leader's runs were ended by it (abandoned). */
async function nodeBLeadsAndRunsEverything(cluster: Cluster, b: ClusterNode, inFlight: InFlightRun[]) {
  const takeover = await eventually(
    async () => {
      const role = await cluster.rolez(b);
      return role.role === "leader" ? role : null;
    },
    "node-b leading",
    60_000
  );
  assert.ok(takeover.term > 0);
  await eventually(
    async () =>
      Number(
        (await cluster.schema.query("select count(*) as n from tasks where state = 'succeeded'"))[0].n
      ) ===
      SLOW + FAST
        ? true
        : null,
    "every task succeeded on node-b",
    90_000
  );
  // The paused leader's runs were ended by node-b and their tasks run again there.
  for (const run of inFlight) {
    const [row] = await cluster.schema.query<{ state: string }>("select state from runs where run_id = $1", [
      run.run_id
    ]);
    assert.equal(row!.state, "abandoned");
  }
}

/** node-a's codexd finished the slow turns meanwhile (their model streams closed). */
async function oldTurnsFinished(cluster: Cluster, inFlight: InFlightRun[]): Promise<void> {
  await eventually(
    async () =>
      cluster.model.requests.filter(
        (r) => (r.lastUserText ?? "").startsWith("slow task ") && r.closedAt !== null
      ).length >=
      SLOW + inFlight.length
        ? true
        : null,
    "the old turns finished in node-a's codexd",
    60_000
  );
}

/** Resumed (SIGCONT), node-a's late writes are fenced and logged as stale; the store is unchanged. */
async function resumedLeaderWritesNothing(
  cluster: Cluster,
  a: ClusterNode,
  inFlight: InFlightRun[],
  { before, stoppedAt }: { before: string; stoppedAt: Date }
): Promise<void> {
  a.conductor.process.kill("SIGCONT");
  // Each of its runs tries to write (progress, then its end) and is told the write changed
  // nothing: logged as a stale write, at warn level.
  const staleLines = await eventually(
    async () => {
      const lines = a.conductor.logLines().filter((l) => /stale/.test(String(l.msg)) && l.level >= 40);
      return inFlight.every((run) => lines.some((l) => l.runId === run.run_id)) ? lines : null;
    },
    "node-a logging its stale writes",
    60_000
  );
  assert.ok(
    staleLines.every((l) => l.term === 0),
    "the late writes named the runs' epoch, 0"
  );
  // Give it a moment to try anything else, then compare: nothing changed in the store.
  await eventually(
    async () => ((await cluster.rolez(a)).holder === "node-b" ? true : null),
    "node-a seeing node-b's lease",
    30_000
  );
  assert.equal((await cluster.rolez(a)).role, "standby");
  assert.equal(await snapshot(cluster), before, "the resumed leader wrote nothing");
  const claimedAfter = await cluster.schema.query(
    "select run_id from runs where owner = 'node-a' and started_at > $1",
    [stoppedAt]
  );
  assert.deepEqual(claimedAfter, [], "nothing claimed by node-a after it lost the lease");
  // Each task succeeded exactly once.
  const perTask = await cluster.schema.query<{ n: string }>(
    "select count(*) filter (where state = 'succeeded') as n from runs group by task_id"
  );
  assert.equal(perTask.length, SLOW + FAST);
  assert.ok(perTask.every((row) => Number(row.n) === 1));
}

/** node-a runs the slow turns (they reached the model): the moment to pause it. */
function slowRunsOnNodeA(cluster: Cluster): Promise<InFlightRun[]> {
  return eventually(
    async () => {
      const rows = await cluster.schema.query<InFlightRun>(
        "select r.run_id, r.task_id, r.term from runs r join tasks t on t.task_id = r.task_id where r.owner = 'node-a' and r.state = 'running' and r.turn_id is not null and t.title like 'slow %'"
      );
      const reached = cluster.model.requests.filter((r) =>
        (r.lastUserText ?? "").startsWith("slow task ")
      ).length;
      // Both nodes claim: node-a runs some of the slow turns.
      return rows.length === SLOW && reached >= SLOW ? rows : null;
    },
    "node-a running the slow turns",
    60_000
  );
}

/** What the nodes said, to tell a slow machine from a broken fence. */
async function logWhatTheNodesSaid(cluster: Cluster): Promise<void> {
  for (const node of cluster.nodes) {
    const warnings = node.conductor
      .logLines()
      .filter((l) => l.level >= 40)
      .slice(-15);
    console.log(`${node.nodeId}: ${warnings.map((l) => JSON.stringify(l)).join("\n")}`);
  }
  console.log(
    JSON.stringify(
      await cluster.schema
        .query("select owner, term, state, count(*) as n from runs group by owner, term, state")
        .catch(String)
    )
  );
}
