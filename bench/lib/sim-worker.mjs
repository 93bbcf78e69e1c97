// One process of cluster-sim: hosts up to ~10 simulated nodes, each a real store client with a
// pool of its own, the conductor's real claim loop (Scheduler) in node mode, a heartbeat every
// runLeaseTtl/3 (heartbeatNode: one write renewing every run of the node), and, on the node
// told to lead, the leader's sweep (expireRunLeases + notePlacement). A run is "executed" by
// holding it a few ms and ending it (a fenced finishRun); a real run's progress writes
// (updateRun: session, turn, last event) are left out, as they are per run, not per claim.
// Driven by the parent over IPC: start → ready, go, kill <node>, stop → stats.
import { join } from "node:path";
import { createRequire } from "node:module";

const root = new URL("../..", import.meta.url).pathname;
const pino = createRequire(join(root, "apps/conductor-daemon/package.json"))("pino");
const { openControlStore, RUN_LEASE_SCOPE } = await import(
  join(root, "packages/control-store/dist/index.js")
);
const { Scheduler } = await import(join(root, "apps/conductor-daemon/dist/scheduler/scheduler.js"));
const { decideRunEnding } = await import(join(root, "apps/conductor-daemon/dist/scheduler/run-ending.js"));
const { systemClockTimers } = await import(join(root, "packages/clock/dist/index.js"));

const logger = pino({ level: "error" }, pino.destination({ dest: 2, sync: true }));
// Only `completed` outcomes happen here, so the retry and quota figures are never used.
const policy = { retry: { baseMs: 1000, maxMs: 60_000 }, quota: {} };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Counters and latency lists of this process's nodes, sent to the parent at the end. */
const stats = {
  claimCalls: 0,
  emptyClaims: 0,
  claimed: 0,
  claimMs: [],
  heartbeats: 0,
  renewedRuns: 0,
  heartbeatMs: [],
  finished: 0,
  finishMs: [],
  staleWrites: 0,
  sweeps: 0,
  sweptRuns: 0,
  sweepMs: [],
  firstSweptAtEpoch: null,
  errors: {}
};

function noteError(where, error) {
  const key = `${where}: ${String(error?.code ?? "")} ${String(error?.message ?? error).slice(0, 80)}`;
  stats.errors[key] = (stats.errors[key] ?? 0) + 1;
}

async function timed(list, fn) {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    list.push(Math.round((performance.now() - started) * 100) / 100);
  }
}

/** One simulated node: its own store (pool), heartbeat timer and claim loop. */
async function startNode(nodeId, config) {
  const store = await openControlStore({
    databaseUrl: config.databaseUrl,
    schema: config.schema,
    migrate: false,
    poolSize: config.poolSize,
    leasePoolSize: config.leasePoolSize,
    applicationName: "baa-sim",
    onPoolError: (error) => noteError("pool", error)
  });
  const node = {
    nodeId,
    store,
    dead: false,
    scheduler: null,
    beatTimer: null,
    sweepTimer: null,
    leader: null
  };
  const beat = async () => {
    if (node.dead) return;
    try {
      const { renewed } = await timed(stats.heartbeatMs, () =>
        store.heartbeatNode({
          nodeId,
          address: null,
          labels: [],
          capacity: config.capacity,
          running: node.scheduler?.activeCount ?? 0,
          version: "sim",
          executes: true,
          ttlMs: config.runLeaseTtlMs,
          runLeaseTtlMs: config.runLeaseTtlMs
        })
      );
      stats.heartbeats += 1;
      stats.renewedRuns += renewed;
    } catch (error) {
      noteError("heartbeat", error);
    }
  };
  // Registered before the first claim: a node claims only while its own row is current.
  await beat();
  node.beatTimer = setInterval(beat, Math.floor(config.runLeaseTtlMs / 3));
  const claimer = {
    async claimTasks(options) {
      stats.claimCalls += 1;
      const claims = await timed(stats.claimMs, () =>
        store.claimTasks({ ...options, runLeaseTtlMs: config.runLeaseTtlMs })
      );
      if (claims.length === 0) stats.emptyClaims += 1;
      stats.claimed += claims.length;
      return claims;
    }
  };
  node.scheduler = new Scheduler({
    store: claimer,
    scope: RUN_LEASE_SCOPE,
    leadership: { current: () => ({ holder: nodeId, term: 0 }) },
    gate: { mayClaim: () => !node.dead },
    maxConcurrent: config.capacity,
    pollIntervalMs: config.pollMs,
    timers: systemClockTimers,
    logger,
    execute: (claim) => ({ done: runOne(node, claim, config), stop: () => undefined })
  });
  return node;
}

/** A short run: hold it, then end it; a dead node's run is left to lapse. */
async function runOne(node, claim, config) {
  const fence = { runId: claim.run.runId, owner: node.nodeId, term: claim.run.term };
  try {
    await sleep(config.holdMs);
    if (node.dead) return;
    const { ending } = decideRunEnding(
      claim.task,
      { kind: "completed", finalMessage: null, usage: null },
      Date.now(),
      policy
    );
    // A failed end (a statement timeout on a starved machine) is tried again, as the conductor's
    // run does: a run left `running` would be renewed by the heartbeat for ever.
    for (let attempt = 1; ; attempt += 1) {
      try {
        const ok = await timed(stats.finishMs, () => node.store.finishRun(fence, ending));
        if (ok) stats.finished += 1;
        else stats.staleWrites += 1;
        return;
      } catch (error) {
        noteError("finish", error);
        if (attempt >= 10 || node.dead) return;
        await sleep(200);
      }
    }
  } catch (error) {
    noteError("run", error);
  }
}

/** The leader's duties that must run once: its lease, then a sweep of lapsed run leases every sweepMs. */
async function lead(node, config) {
  // Taken for the whole run (no renewal traffic to speak of: a real leader renews every ttl/3).
  node.leader = await node.store.acquireLease({ scope: "scheduler", holder: node.nodeId, ttlMs: 600_000 });
  if (node.leader === null) throw new Error("the sim's leader could not take the lease");
  node.sweepTimer = setInterval(() => {
    node.sweeping = sweepOnce(node);
  }, config.sweepMs);
}

/** One pass of the leader's sweep; `stop` waits for the pass in flight before closing the store. */
async function sweepOnce(node) {
  try {
    const ended = await timed(stats.sweepMs, () => node.store.expireRunLeases(node.leader));
    await node.store.notePlacement();
    stats.sweeps += 1;
    stats.sweptRuns += ended.length;
    // When the dead node's runs came back (the victim lives in the leader's process).
    if (stats.firstSweptAtEpoch === null && ended.some((run) => nodes.get(run.owner)?.dead === true))
      stats.firstSweptAtEpoch = Date.now();
  } catch (error) {
    noteError("sweep", error);
  }
}

const nodes = new Map();
let config;

process.on("message", async (message) => {
  try {
    if (message.type === "start") {
      config = message.config;
      for (const nodeId of message.nodeIds) nodes.set(nodeId, await startNode(nodeId, config));
      if (message.leaderId !== null) await lead(nodes.get(message.leaderId), config);
      process.send({ type: "ready" });
    } else if (message.type === "go") {
      for (const node of nodes.values()) node.scheduler.start();
    } else if (message.type === "kill") {
      // As a node that lost power: no more heartbeats, claims or run writes.
      const node = nodes.get(message.nodeId);
      node.dead = true;
      clearInterval(node.beatTimer);
    } else if (message.type === "stop") {
      for (const node of nodes.values()) {
        clearInterval(node.beatTimer);
        clearInterval(node.sweepTimer);
        await node.sweeping;
        await node.scheduler.stop("sim over");
        await node.store.close();
      }
      process.send({ type: "stats", stats }, () => process.exit(0));
    }
  } catch (error) {
    process.send({ type: "failed", message: String(error?.stack ?? error) }, () => process.exit(1));
  }
});
process.send({ type: "loaded" });
