// Must-show 3 of issue 17: a schedule every 2 seconds (six-field cron) on two conductor processes
// on one PostgreSQL schema. Each fire gives exactly one task; a leader killed mid-way changes nothing
// (the standby takes over; the fires missed meanwhile give one task, catchUp "one").
import assert from "node:assert/strict";
import test from "node:test";
import { startCluster, type Cluster, type ClusterNode } from "../support/conductor-cluster.js";
import { eventually, getJson, request } from "../support/http.js";

const TTL = 3_000;

const firesOf = async (cluster: Cluster) =>
  (
    await cluster.schema.query<{ scheduled_for: Date; task_id: string }>(
      "select scheduled_for, task_id from tasks where schedule_id is not null order by scheduled_for"
    )
  ).map((row) => ({ at: row.scheduled_for.getTime(), taskId: row.task_id }));

async function leaderOf(cluster: Cluster, nodes: ClusterNode[]): Promise<ClusterNode> {
  return eventually(
    async () => {
      const roles = await Promise.all(nodes.map((node) => cluster.rolez(node).catch(() => null)));
      const leaders = nodes.filter((_, i) => roles[i]?.role === "leader");
      assert.ok(leaders.length <= 1, "two leaders");
      return leaders[0];
    },
    "a leader",
    60_000
  );
}

test("a 2-second schedule on two nodes: one task per fire; kill -9 of the leader changes nothing", {
  timeout: 240_000
}, async () => {
  const cluster = await startCluster({ leaseTtlMs: TTL });
  try {
    const a = await cluster.addNode("node-a", "primary");
    assert.equal(await leaderOf(cluster, [a]), a);
    const b = await cluster.addNode("node-b", "standby");
    const created = await request("POST", `${b.conductor.base}/v1/schedules`, {
      name: "every 2 s",
      cron: "*/2 * * * * *",
      timezone: "UTC",
      task: { title: "scheduled tick", prompt: "Say tick." }
    });
    assert.equal(created.status, 201, created.text);
    const schedule = created.body.data.schedule;
    assert.equal(schedule.catchUp, "one");
    assert.equal(schedule.paused, false);
    assert.equal(Date.parse(schedule.nextFireAt) % 2000, 0);

    await eventually(
      async () => ((await firesOf(cluster)).length >= 3 ? true : null),
      "three fires on node-a",
      30_000
    );
    await a.conductor.kill("SIGKILL");
    const killedAt = Date.now();
    assert.equal(await leaderOf(cluster, [b]), b);
    await eventually(
      async () =>
        (await firesOf(cluster)).filter((fire) => fire.at > killedAt + TTL).length >= 3 ? true : null,
      "three fires on node-b",
      60_000
    );
    const paused = await request("POST", `${b.conductor.base}/v1/schedules/${schedule.scheduleId}/pause`);
    assert.equal(paused.status, 200, paused.text);

    const fires = await firesOf(cluster);
    const perFire = await cluster.schema.query<{ n: string }>(
      "select count(*) as n from tasks where schedule_id = $1 group by scheduled_for having count(*) > 1",
      [schedule.scheduleId]
    );
    assert.deepEqual(perFire, [], "no fire has two tasks");
    assert.equal(new Set(fires.map((fire) => fire.taskId)).size, fires.length);
    for (const fire of fires) assert.equal(fire.at % 2000, 0, "every task is for a fire time of the cron");
    // Fires come every 2 s, but for one gap while no node led (its latest fire caught up as one task).
    const gaps = fires.slice(1).map((fire, i) => fire.at - fires[i]!.at);
    assert.ok(gaps.filter((gap) => gap !== 2000).length <= 1, `gaps ${JSON.stringify(gaps)}`);
    assert.ok(Math.max(...gaps) <= TTL * 3 + 4000, `gaps ${JSON.stringify(gaps)}`);

    const shown = await getJson(`${b.conductor.base}/v1/schedules/${schedule.scheduleId}`);
    assert.equal(shown.body.data.schedule.paused, true);
    assert.equal(Date.parse(shown.body.data.schedule.lastFireAt), fires.at(-1)!.at);
    const task = await getJson(`${b.conductor.base}/v1/tasks/${fires[0]!.taskId}`);
    assert.equal(task.body.data.task.scheduleId, schedule.scheduleId);
    assert.equal(Date.parse(task.body.data.task.scheduledFor), fires[0]!.at);
  } finally {
    await cluster.stop();
  }
});
