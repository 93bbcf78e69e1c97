#!/usr/bin/env node
// cluster-sim: how one PostgreSQL carries many nodes that all claim. Simulated nodes (no codex,
// no HTTP) run the conductor's real code paths against a fresh schema: the claim loop
// (Scheduler) calling store.claimTasks in node mode (FOR UPDATE SKIP LOCKED), a heartbeat every
// runLeaseTtl/3 (heartbeatNode: one write per node renewing all its runs), a fenced finishRun
// per run, and one leader sweeping lapsed run leases (expireRunLeases). Each
// run is held a few ms. A third of the way through one node dies (no more writes); its runs
// must end abandoned by the sweep and run again elsewhere. Meanwhile an API client creates
// tasks through store.createTask (it locks the system-state row, which a claim takes only when
// blocked tasks exist: none here), each naming a label no node has, so they wait (and the
// leader notes why) without running.
// Nodes live ~10 to a worker process (2 cores: not one process each), each with its own pool.
// Figures per row: claims/s (up to 90% drained: the tail waits on the dead node's leases),
// renewal writes/s, lock waits and connections (sampled from
// pg_stat_activity every 100 ms), claim/finish/heartbeat/create latency. The baseline is the
// smallest cluster of the same run: ratios say how each figure grows with the node count.
// PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
// --tasks is shared out evenly over the rows of --nodes (2 cores drain ~50 tasks/s here, so
// 10,000 in all keeps the run near ten minutes); the conductor-pools row drains a tenth. A row
// whose connections do not fit beside other work waits up to 3 min for them, then is skipped.
// Each row notes the machine's busy share (/proc/stat) before and during it.
// Writes bench/results/<--out> (default cluster-sim.json; an absolute path as given) besides latest.json.
// Usage: node bench/cluster-sim.mjs [--nodes 5,10,25,50] [--tasks N] [--pool N] [--no-conductor-pools]
//        [--out FILE]
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { startActivitySampler } from "./lib/pg-activity.mjs";
import { startCpuSampler } from "./lib/proc-cpu.mjs";
import { report } from "./lib/report.mjs";
import { checkOutcome, counts, summarizeRow } from "./lib/sim-summary.mjs";

const root = new URL("..", import.meta.url).pathname;
const pg = createRequire(join(root, "packages/control-store/package.json"))("pg");
const { openControlStore } = await import(join(root, "packages/control-store/dist/index.js"));

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "5,10,25,50" },
    tasks: { type: "string", default: "10000" },
    pool: { type: "string", default: "1" },
    "no-conductor-pools": { type: "boolean", default: false },
    out: { type: "string", default: "cluster-sim.json" }
  }
});
const databaseUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const scales = values.nodes.split(",").map(Number);
const tasksPerRow = Math.floor(Number(values.tasks) / scales.length);
const NODES_PER_WORKER = 10;
/** Connections left to everyone else on a shared server. */
const HEADROOM = 20;
/** How long a row waits for other work to free connections before it is skipped. */
const ROOM_WAIT_MS = 180_000;
const sim = {
  capacity: 2,
  holdMs: 5,
  // The heartbeat shares each node's one connection here (the conductor gives it its own), so
  // the TTL leaves room for it to queue behind claims and ends on a starved machine.
  runLeaseTtlMs: 6000,
  pollMs: 1000,
  sweepMs: 1000
};
const rows = scales.map((n) => ({
  nodes: n,
  tasks: tasksPerRow,
  poolSize: Number(values.pool),
  leasePoolSize: 0,
  pools: `${values.pool} (lease on it)`
}));
// The conductor's own pools (open-store.ts: 10, plus the store's 2 for the lease) on the smallest
// cluster: how many connections a node opens when nothing holds it back.
if (!values["no-conductor-pools"])
  rows.push({
    nodes: rows[0].nodes,
    tasks: Math.floor(Number(values.tasks) / 10),
    poolSize: 10,
    leasePoolSize: 2,
    pools: "10 + 2 lease (the conductor's)"
  });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh schema with `count` queued tasks: one through createTask, the rest copies of its row. */
async function seed(schema, count) {
  const api = await openControlStore({
    databaseUrl,
    schema,
    poolSize: 1,
    leasePoolSize: 0,
    applicationName: "baa-sim-api"
  });
  const { task } = await api.createTask({ title: "t0", prompt: "noop" });
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  try {
    const columns = (await client.query("select * from tasks limit 1")).fields
      .map((field) => field.name)
      .filter((name) => name !== "seq");
    // Quoted: a column may be a reserved word (`overlaps`).
    const select = columns.map((c) =>
      c === "task_id" ? "'task-' || gen_random_uuid()" : c === "title" ? "'t' || g" : `t."${c}"`
    );
    await client.query(
      `insert into tasks (${columns.map((c) => `"${c}"`).join(", ")}) select ${select.join(", ")} from generate_series(1, $1) g, (select * from tasks where task_id = $2) t order by g`,
      [count - 1, task.taskId]
    );
    await client.query("analyze tasks");
  } finally {
    await client.end();
  }
  return api;
}

/** Forks the worker processes, ~10 nodes each, and starts their nodes (node-0 leads). */
async function startWorkers(row, schema) {
  const nodeIds = Array.from({ length: row.nodes }, (_, i) => `sim-node-${i}`);
  const workers = [];
  for (let i = 0; i < nodeIds.length; i += NODES_PER_WORKER) {
    const child = fork(join(root, "bench/lib/sim-worker.mjs"), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"]
    });
    const inbox = [];
    const waiters = [];
    const deliver = (message) => (waiters.length > 0 ? waiters.shift()(message) : inbox.push(message));
    child.on("message", deliver);
    // A worker that dies (say, an import that fails) fails the row, which then drops its schema.
    child.on("exit", (code) => deliver({ type: "failed", message: `a sim worker exited with ${code}` }));
    const next = () =>
      inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((resolve) => waiters.push(resolve));
    workers.push({ child, next, nodeIds: nodeIds.slice(i, i + NODES_PER_WORKER) });
  }
  const config = { ...sim, databaseUrl, schema, poolSize: row.poolSize, leasePoolSize: row.leasePoolSize };
  await Promise.all(
    workers.map(async (worker, index) => {
      expect(await worker.next(), "loaded");
      worker.child.send({
        type: "start",
        nodeIds: worker.nodeIds,
        leaderId: index === 0 ? worker.nodeIds[0] : null,
        config
      });
      expect(await worker.next(), "ready");
    })
  );
  return workers;
}

function expect(message, type) {
  if (message.type !== type)
    throw new Error(`a sim worker said ${message.type}${message.message ? `: ${message.message}` : ""}`);
}

/** The API's path while nodes claim: createTask one after another, each timed, none runnable here. */
async function createWhileClaiming(api, stopSignal) {
  const createMs = [];
  const failed = {};
  for (let i = 0; !stopSignal.stopped; i += 1) {
    const started = performance.now();
    try {
      await api.createTask({ title: `live-${i}`, prompt: "noop", runsOn: ["sim-nowhere"] });
      createMs.push(performance.now() - started);
    } catch (error) {
      // The API would answer 503 store_unavailable; say what timed out (the cause names the row).
      const key = `${error.message.slice(0, 90)} ${error.cause?.where ?? ""}`.trim();
      failed[key] = (failed[key] ?? 0) + 1;
    }
    await sleep(20);
  }
  return { createMs, failed };
}

/** One row: seed, start the nodes, drain every task (one node dies a third in), check, drop. */
async function runRow(row) {
  const schema = `benchsim_${randomBytes(5).toString("hex")}`;
  const watch = new pg.Client({
    connectionString: databaseUrl,
    options: `-c search_path=${schema}`,
    application_name: "bench-sampler"
  });
  await watch.connect();
  let api = null;
  let workers = [];
  const creating = { stopped: false };
  let creates;
  try {
    api = await seed(schema, row.tasks);
    workers = await startWorkers(row, schema);
    const sampler = await startActivitySampler({ databaseUrl, prefix: "baa-sim" });
    const cpu = startCpuSampler();
    const started = performance.now();
    for (const worker of workers) worker.child.send({ type: "go" });
    creates = createWhileClaiming(api, creating);
    // The victim is neither the leader (node 0) nor alone in its process's pool of nodes.
    const victim = row.nodes > 1 ? "sim-node-1" : null;
    let killedAt = null;
    let killedAtEpoch = null;
    let ninetyAt = null;
    let done = 0;
    // Five minutes, or more for a big row (at least ~17 tasks/s).
    const deadline = started + Math.max(300_000, row.tasks * 60);
    while (done < row.tasks && performance.now() < deadline) {
      await sleep(250);
      done = (await counts(watch)).succeeded ?? 0;
      if (victim !== null && killedAt === null && done >= row.tasks / 3) {
        workers[0].child.send({ type: "kill", nodeId: victim });
        killedAt = performance.now() - started;
        killedAtEpoch = Date.now();
      }
      if (ninetyAt === null && done >= row.tasks * 0.9) ninetyAt = performance.now() - started;
    }
    const wallMs = performance.now() - started;
    row.cpuDuring = cpu.stop();
    if (done < row.tasks)
      console.log(
        `${row.nodes} nodes: only ${done} of ${row.tasks} done after ${Math.round(wallMs / 1000)} s; stopping the row`
      );
    creating.stopped = true;
    const { createMs, failed: createFailures } = await creates;
    const activity = await sampler.stop();
    const perWorker = await Promise.all(
      workers.map(async (worker) => {
        worker.child.send({ type: "stop" });
        const message = await worker.next();
        expect(message, "stats");
        return message.stats;
      })
    );
    workers = [];
    const check = await checkOutcome(watch, row.tasks, victim, createMs.length);
    return summarizeRow(row, NODES_PER_WORKER, {
      wallMs,
      ninetyAt,
      killedAt,
      killedAtEpoch,
      createMs,
      createFailures,
      activity,
      perWorker,
      check
    });
  } finally {
    for (const worker of workers) worker.child.kill("SIGKILL");
    creating.stopped = true;
    await creates?.catch((error) => console.error(`creates: ${error.message}`));
    await api?.close();
    await watch
      .query(`drop schema if exists ${schema} cascade`)
      .catch((error) => console.error(`could not drop ${schema}: ${error.message}`));
    await watch.end();
  }
}

/** Refuses a row whose pools could take the shared server's last connections. */
async function roomFor(row) {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "bench-sampler" });
  await client.connect();
  try {
    const max = Number((await client.query("show max_connections")).rows[0].max_connections);
    const used = (
      await client.query(
        "select count(*)::int as n from pg_stat_activity where backend_type = 'client backend'"
      )
    ).rows[0].n;
    const wanted = row.nodes * (row.poolSize + row.leasePoolSize) + 3;
    return { ok: wanted <= max - used - HEADROOM, max, used, wanted };
  } finally {
    await client.end();
  }
}

/** Waits (up to ROOM_WAIT_MS) for other work on the server to leave the row its connections. */
async function waitForRoom(row) {
  const deadline = performance.now() + ROOM_WAIT_MS;
  let room = await roomFor(row);
  let said = false;
  while (!room.ok && performance.now() < deadline) {
    if (!said)
      console.log(
        `${row.nodes} nodes: waiting for ${room.wanted} connections (${room.used} of ${room.max} in use)`
      );
    said = true;
    await sleep(5000);
    room = await roomFor(row);
  }
  return room;
}

const results = [];
const skipped = [];
for (const row of rows) {
  const room = await waitForRoom(row);
  row.serverConnectionsBefore = room.used;
  if (!room.ok) {
    skipped.push({
      ...row,
      why: `needs up to ${room.wanted} connections; the server has ${room.max} with ${room.used} in use (${HEADROOM} kept for others)`
    });
    console.log(`skipping ${row.nodes} nodes, pools ${row.pools}: ${skipped.at(-1).why}`);
    continue;
  }
  // Other work alone, before this row starts anything.
  const before = startCpuSampler();
  await sleep(5000);
  row.cpuBefore = before.stop();
  console.log(
    `${row.nodes} nodes, pools ${row.pools}: draining ${row.tasks} tasks (machine busy ${row.cpuBefore?.busyShare})…`
  );
  try {
    results.push(await runRow(row));
  } catch (error) {
    skipped.push({ ...row, why: `failed: ${error.message}` });
    console.error(`${row.nodes} nodes failed: ${error.stack}`);
  }
}
const base = results[0];
const largest = results.filter((r) => r.pools === base.pools).at(-1);
const grow = (key) => Math.round((largest[key] / base[key]) * 100) / 100;
const result = {
  bench: "cluster-sim",
  tasks: rows.reduce((total, row) => total + row.tasks, 0),
  sim: { ...sim, nodesPerProcess: NODES_PER_WORKER },
  rows: results,
  skipped,
  ratio: {
    nodes: largest.nodes / base.nodes,
    claimsPerS: grow("claimsPerS"),
    renewalWritesPerS: grow("renewalWritesPerS"),
    claimP50: Math.round((largest.claimMs.p50 / base.claimMs.p50) * 100) / 100,
    createP50: Math.round((largest.createMs.p50 / base.createMs.p50) * 100) / 100
  },
  ok: results.every((r) => r.check.ok)
};
report(result, [
  `${result.tasks} tasks in all, capacity ${sim.capacity}/node, runs held ${sim.holdMs} ms, run lease ${sim.runLeaseTtlMs} ms`,
  "nodes tasks pools                           wall s  claims/s  claim p50/p99 ms  renew w/s  create p50/p99 ms  conns peak  lock waits mean/peak  swept  cpu before/during  ok",
  ...results.map((r) =>
    [
      String(r.nodes).padEnd(5),
      String(r.tasks).padEnd(5),
      r.pools.padEnd(32),
      (r.wallMs / 1000).toFixed(1).padStart(6),
      String(r.claimsPerS).padStart(9),
      `${r.claimMs.p50}/${r.claimMs.p99}`.padStart(17),
      String(r.renewalWritesPerS).padStart(10),
      `${r.createMs.p50}/${r.createMs.p99}`.padStart(18),
      String(r.connections.peak).padStart(11),
      `${r.lockWaits.mean}/${r.lockWaits.peak}`.padStart(21),
      String(r.sweptRuns).padStart(6),
      `${r.cpuBusy.before?.busyShare ?? "n/a"}/${r.cpuBusy.during?.busyShare ?? "n/a"}`.padStart(18),
      r.check.ok ? "  yes" : "  NO"
    ].join(" ")
  ),
  ...skipped.map((s) => `skipped ${s.nodes} nodes (${s.pools}): ${s.why}`),
  `growth ${base.nodes} → ${largest.nodes} nodes: claims/s ×${result.ratio.claimsPerS}, renewal writes/s ×${result.ratio.renewalWritesPerS}, claim p50 ×${result.ratio.claimP50}, create p50 ×${result.ratio.createP50}`
]);
// This bench's own file too (latest.json holds only the newest run of each bench).
writeFileSync(
  resolve(root, "bench/results", values.out),
  `${JSON.stringify({ ...result, at: new Date().toISOString(), node: process.version }, null, 2)}\n`
);
if (!result.ok) process.exitCode = 1;
