#!/usr/bin/env node
// cluster-throughput: the same 36 tasks (one 1.5 s mock-model turn each) drained by 1, 2 and 3
// nodes on one PostgreSQL schema, each node its own codexd (real `codex app-server`) and
// conductor process with BAA_MAX_CONCURRENT_TASKS=2, as launchd/systemd run them. The tasks are
// created while the system is paused and timed from the resume (told to every node) to the
// last one succeeded; the one-node cluster of the same run is the baseline. Ratio: throughput
// of n nodes over n times that of one (1.0 = ideal). Goal (issue 16): 3 nodes in ≤ 0.45× one node's wall time, i.e.
// ≥ 2.2× its throughput (0.73 of ideal). Also checks each task succeeded exactly once and says
// how many each node ran: a build where only the leader claims shows it here as one busy node.
// PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test).
// Each node first runs one warm-up task (its app-server's first thread), untimed; --cold skips it.
// Usage: node bench/cluster-throughput.mjs [--tasks N] [--turn-ms N] [--nodes 1,2,3] [--cold]
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { postJson, closeClient } from "./lib/http-client.mjs";
import { freePort, nodeEnv, spawnService, stopChild } from "./lib/node-stack.mjs";
import { startCpuSampler, treeCpuMs } from "./lib/proc-cpu.mjs";
import { report } from "./lib/report.mjs";

const root = new URL("..", import.meta.url).pathname;
const pg = createRequire(join(root, "packages/control-store/package.json"))("pg");
const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "36" },
    "turn-ms": { type: "string", default: "1500" },
    nodes: { type: "string", default: "1,2,3" },
    capacity: { type: "string", default: "2" },
    cold: { type: "boolean", default: false }
  }
});
const taskCount = Number(values.tasks);
const turnMs = Number(values["turn-ms"]);
const capacity = Number(values.capacity);
const sizes = values.nodes.split(",").map(Number);
const databaseUrl = process.env.BENCH_DATABASE_URL || "postgres://postgres@127.0.0.1:5432/test";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n) => Math.round(n * 100) / 100;

/** One node: its codexd and its conductor on the shared schema; node 0 prefers to lead. */
async function startNode(index, { dir, schema, modelUrl }) {
  const nodeId = `bench-node-${index}`;
  const home = join(dir, nodeId);
  const codexHome = join(home, "codex-home");
  writeCodexHome(codexHome, modelUrl, BENCH_CODEX_OPTIONS);
  const codexdBase = `http://127.0.0.1:${await freePort()}`;
  const conductorBase = `http://127.0.0.1:${await freePort()}`;
  const env = nodeEnv({
    codexHome,
    dir: home,
    codexdBase,
    conductorBase,
    extra: {
      BAA_NODE_ID: nodeId,
      BAA_NODE_ADDRESS: conductorBase,
      BAA_CONDUCTOR_ROLE: index === 0 ? "primary" : "standby",
      BAA_DATABASE_URL: databaseUrl,
      BAA_DATABASE_SCHEMA: schema,
      BAA_MAX_CONCURRENT_TASKS: String(capacity),
      // Its own label: the warm-up task placed on it names it.
      BAA_NODE_LABELS: nodeId,
      // Every size polls alike (a run's end wakes its own node's loop at once anyway).
      BAA_SCHEDULER_POLL_MS: "100"
    }
  });
  mkdirSync(home, { recursive: true });
  const codexd = await spawnService("codexd", { env, cwd: home, base: codexdBase });
  try {
    const conductor = await spawnService("conductor", { env, cwd: home, base: conductorBase });
    return { nodeId, conductorBase, codexd, conductor };
  } catch (error) {
    // Not yet in the caller's list of nodes: its codexd is ours to stop.
    await stopChild(codexd);
    throw error;
  }
}

/** The timed tasks' runs (titled t0, t1, …), not the warm-up's. */
const TIMED = "task_id in (select task_id from tasks where title like 't%')";

/**
 * One task on each node (placed by its label) run to success before the timed drain: a node's
 * first run pays its app-server's first thread (measured 3 s alone, over 20 s with six at once
 * on the 2 shared cores), a start cost, not throughput. Every size, the baseline too, is warmed
 * alike; `--cold` skips it.
 */
async function warmUp(nodes, db, workdir) {
  for (const [i, node] of nodes.entries()) {
    await post(`${node.conductorBase}/v1/tasks`, {
      title: `warm-${i}`,
      prompt: "warm-up",
      cwd: workdir,
      runsOn: [node.nodeId]
    });
  }
  const started = performance.now();
  for (;;) {
    const { rows } = await db.query(
      "select count(*)::int as n from tasks where state = 'succeeded' and title like 'warm-%'"
    );
    if (rows[0].n === nodes.length) return;
    if (performance.now() - started > 120_000)
      throw new Error(`warm-up: ${rows[0].n} of ${nodes.length} after 120 s`);
    await sleep(100);
  }
}

/** POSTs to a node (loopback needs no token) and insists on a 2xx. */
async function post(url, body = {}) {
  const { status, body: answer } = await postJson(url, body);
  if (status >= 300) throw new Error(`${url} answered ${status}: ${JSON.stringify(answer)}`);
  return answer;
}

/**
 * Where the wall time went: each run's span (claim to end, as the store records it), the first
 * claim after the resume, and how full the slots were (run time over wall × slots): a cluster
 * short of its ideal shows here whether runs got slower or slots stood empty.
 */
async function runTimes(db, resumedAt, wallMs, size, modelRequests) {
  const { rows } = await db.query(
    `select r.owner, t.prompt, extract(epoch from r.started_at) * 1000 as started, extract(epoch from r.ended_at) * 1000 as ended
     from runs r join tasks t using (task_id) where r.state = 'succeeded' and ${TIMED} order by r.started_at`
  );
  // The mock model's view of each run's turn: its request in (after the session and thread
  // start) and its stream closed (the 1.5 s turn); the rest is the run's end being written.
  const taskNo = (text) => /cluster bench task (\d+)/.exec(text ?? "")?.[1];
  const byTask = new Map(
    modelRequests.filter((q) => taskNo(q.lastUserText) !== undefined).map((q) => [taskNo(q.lastUserText), q])
  );
  const phases = rows.map((r) => {
    const q = byTask.get(taskNo(r.prompt));
    if (q === undefined || q.closedAt === null) return null;
    return [q.receivedAt - Number(r.started), q.closedAt - q.receivedAt, Number(r.ended) - q.closedAt].map(
      Math.round
    );
  });
  const median = (k) => {
    const list = phases
      .filter((x) => x !== null)
      .map((x) => x[k])
      .sort((a, b) => a - b);
    return list.length === 0 ? null : list[Math.floor(list.length / 2)];
  };
  const spans = rows.map((r) => Number(r.ended) - Number(r.started)).sort((a, b) => a - b);
  const at = (q) => Math.round(spans[Math.min(spans.length - 1, Math.floor(q * spans.length))]);
  const busy = spans.reduce((a, b) => a + b, 0);
  return {
    runMs: { p50: at(0.5), p90: at(0.9), max: Math.round(spans.at(-1)) },
    firstClaimMs: Math.round(Number(rows[0].started) - resumedAt),
    lastEndMs: Math.round(Math.max(...rows.map((r) => Number(r.ended))) - resumedAt),
    slotUse: round(busy / (wallMs * size * capacity)),
    // Medians of claim → model request, the model's stream, stream closed → run ended (ms).
    phaseMs: { toModel: median(0), stream: median(1), toEnd: median(2) },
    // Every run, in claim order: its node, its claim after the resume, its span and its phases (ms).
    runs: rows.map((r, i) => [
      r.owner.replace("bench-node-", "n"),
      Math.round(Number(r.started) - resumedAt),
      Math.round(Number(r.ended) - Number(r.started)),
      phases[i]
    ])
  };
}

/** Drains the tasks on `size` nodes: pause, create, resume, wait for the last success. */
/** Waits until every timed task succeeded (4 minutes at most). */
async function untilDrained(db, size, started) {
  let done = 0;
  while (done < taskCount) {
    if (performance.now() - started > 240_000)
      throw new Error(`${size} nodes: ${done} of ${taskCount} after 240 s`);
    await sleep(50);
    const { rows } = await db.query(
      "select count(*)::int as n from tasks where state = 'succeeded' and title like 't%'"
    );
    done = rows[0].n;
  }
}

/** The timed runs by owner and state, tasks that succeeded twice, and successes per node. */
async function whoRanWhat(db) {
  const byOwner = (
    await db.query(
      `select owner, state, count(*)::int as n from runs where ${TIMED} group by owner, state order by owner`
    )
  ).rows;
  const twice = (
    await db.query(
      `select count(*)::int as n from (select task_id from runs where state = 'succeeded' and ${TIMED} group by task_id having count(*) > 1) x`
    )
  ).rows[0].n;
  const ranBy = Object.fromEntries(byOwner.filter((r) => r.state === "succeeded").map((r) => [r.owner, r.n]));
  return { byOwner, twice, ranBy };
}

async function drainOn(size, { dir, model, workdir }) {
  const modelUrl = model.baseUrl;
  const schema = `benchcluster_${randomBytes(5).toString("hex")}`;
  const db = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await db.connect();
  const nodes = [];
  try {
    // One at a time: the first migrates the schema the others then find ready.
    for (let i = 0; i < size; i += 1)
      nodes.push(await startNode(i, { dir: join(dir, `size-${size}`), schema, modelUrl }));
    const api = nodes[0].conductorBase;
    if (!values.cold) await warmUp(nodes, db, workdir);
    await post(`${api}/v1/system/pause`);
    for (let i = 0; i < taskCount; i += 1) {
      await post(`${nodes[i % size].conductorBase}/v1/tasks`, {
        title: `t${i}`,
        prompt: `cluster bench task ${i}`,
        cwd: workdir
      });
    }
    const pids = nodes.flatMap((node) => [node.codexd.pid, node.conductor.pid]);
    const cpu = startCpuSampler();
    const cpuMsAtResume = treeCpuMs(pids);
    const started = performance.now();
    const resumedAt = Date.now();
    // Told to every node at once: a node that is not told sees another's resume only at its next
    // read of the system mode (every leader-lease TTL/3, 5 s by default), which measured that
    // refresh (a node idle for up to 5 s of a 14 s drain), not the cluster's throughput.
    await Promise.all(nodes.map((node) => post(`${node.conductorBase}/v1/system/resume`)));
    await untilDrained(db, size, started);
    const wallMs = performance.now() - started;
    const load = cpu.stop();
    const clusterCpuMs = cpuMsAtResume === null ? null : treeCpuMs(pids) - cpuMsAtResume;
    const { byOwner, twice, ranBy } = await whoRanWhat(db);
    return {
      nodes: size,
      wallMs: Math.round(wallMs),
      tasksPerS: round(taskCount / (wallMs / 1000)),
      ranBy,
      everyNodeRan: nodes.every((node) => (ranBy[node.nodeId] ?? 0) > 0),
      exactlyOnce: twice === 0 && Object.values(ranBy).reduce((a, b) => a + b, 0) === taskCount,
      otherRunStates: byOwner.filter((r) => r.state !== "succeeded"),
      ...(await runTimes(db, resumedAt, wallMs, size, model.requests)),
      // The machine's busy share (2 cores, this bench's own processes included) while it drained,
      // and the CPU the cluster's own processes (conductors, codexds, app-servers) used for it.
      cpu: load,
      clusterCpuMs,
      clusterCpuMsPerTask: clusterCpuMs === null ? null : Math.round(clusterCpuMs / taskCount)
    };
  } finally {
    for (const node of nodes.reverse()) {
      await stopChild(node.conductor);
      await stopChild(node.codexd);
    }
    await db
      .query(`drop schema if exists ${schema} cascade`)
      .catch((error) => console.error(`could not drop ${schema}: ${error.message}`));
    await db.end();
  }
}

// Other work on the machine before this bench starts anything: its busy share over 5 s.
const before = startCpuSampler();
await sleep(5000);
const loadBefore = before.stop();
const dir = mkdtempSync(join(tmpdir(), "baa-bench-cluster-"));
const model = await startMockModel();
model.setDefaultReply(() => ({ kind: "slow_text", text: "done with the bench task", totalMs: turnMs }));
const workdir = join(dir, "work");
mkdirSync(workdir);
const sizesRun = [];
try {
  for (const size of sizes) {
    console.log(`${size} node(s): ${taskCount} tasks of ${turnMs} ms turns, capacity ${capacity} each…`);
    sizesRun.push(await drainOn(size, { dir, model, workdir }));
  }
} finally {
  closeClient();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}

const one = sizesRun.find((s) => s.nodes === 1) ?? sizesRun[0];
for (const s of sizesRun) {
  s.speedup = round(one.wallMs / s.wallMs);
  s.ofIdeal = round(s.speedup / (s.nodes / one.nodes));
  s.wallVsOne = round(s.wallMs / one.wallMs);
}
const largest = sizesRun.at(-1);
const result = {
  bench: "cluster-throughput",
  tasks: taskCount,
  turnMs,
  warm: !values.cold,
  capacity,
  sizes: sizesRun,
  ratio: { ofIdeal: largest.ofIdeal, wallVsOne: largest.wallVsOne },
  cpuBefore: loadBefore,
  goal: { wallVsOne: 0.45, ofIdeal: 0.73 },
  ok: sizesRun.every((s) => s.exactlyOnce && s.everyNodeRan)
};
report(result, [
  `${taskCount} tasks, one ${turnMs} ms turn each, capacity ${capacity} per node, one PostgreSQL schema per size, ${values.cold ? "cold nodes" : "each node warmed by one task"}`,
  `machine busy before the bench: ${loadBefore?.busyShare ?? "n/a"} of 2 cores' time`,
  "nodes  wall s  tasks/s  speedup  of ideal  run p50/p90 ms  to model/stream/to end  1st claim ms  slot use  cpu busy  cpu ms/task  ran by",
  ...sizesRun.map(
    (s) =>
      `${String(s.nodes).padEnd(5)} ${(s.wallMs / 1000).toFixed(1).padStart(7)} ${String(s.tasksPerS).padStart(8)} ${String(s.speedup).padStart(8)} ${String(s.ofIdeal).padStart(9)} ${`${s.runMs.p50}/${s.runMs.p90}`.padStart(15)} ${`${s.phaseMs.toModel}/${s.phaseMs.stream}/${s.phaseMs.toEnd}`.padStart(22)} ${String(s.firstClaimMs).padStart(13)} ${String(s.slotUse).padStart(9)} ${String(s.cpu?.busyShare ?? "n/a").padStart(9)} ${String(s.clusterCpuMsPerTask ?? "n/a").padStart(12)}  ${JSON.stringify(s.ranBy)}${s.exactlyOnce ? "" : "  NOT EXACTLY ONCE"}`
  ),
  `  ${largest.nodes} nodes: wall ${largest.wallVsOne}× one node's (goal ≤ ${result.goal.wallVsOne}); ${largest.ofIdeal} of ideal`
]);
// This bench's own file too (latest.json holds only the newest run of each bench).
writeFileSync(
  join(root, "bench/results/cluster-throughput.json"),
  `${JSON.stringify({ ...result, at: new Date().toISOString(), node: process.version }, null, 2)}\n`
);
if (!result.ok) process.exitCode = 1;
