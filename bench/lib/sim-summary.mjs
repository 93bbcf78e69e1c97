// cluster-sim's figures: a row's outcome check (read from the store) and its summary from what
// every worker process measured.
import { summarize } from "./stats.mjs";

const rate = (count, ms) => Math.round((count / (ms / 1000)) * 10) / 10;

/** Tasks by state. */
export async function counts(client) {
  const { rows } = await client.query("select state, count(*)::int as n from tasks group by state");
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

/** Every task succeeded by exactly one run; the dead node's runs ended abandoned, none left running. */
export async function checkOutcome(client, tasks, victim, creates) {
  const byState = await counts(client);
  const runs = (await client.query("select state, count(*)::int as n from runs group by state")).rows;
  const twice = (
    await client.query(
      "select count(*)::int as n from (select task_id from runs where state = 'succeeded' group by task_id having count(*) > 1) x"
    )
  ).rows[0].n;
  const abandoned = (
    await client.query(
      "select count(*)::int as n, count(*) filter (where owner = $1)::int as victim from runs where state = 'abandoned'",
      [victim]
    )
  ).rows[0];
  const outbox = (await client.query("select count(*)::int as n from notification_events")).rows[0].n;
  const runStates = Object.fromEntries(runs.map((r) => [r.state, r.n]));
  const ok =
    byState.succeeded === tasks &&
    (byState.queued ?? 0) === creates &&
    runStates.succeeded === tasks &&
    twice === 0 &&
    (runStates.running ?? 0) === 0;
  return {
    ok,
    tasks: byState,
    runs: runStates,
    succeededTwice: twice,
    abandoned: abandoned.n,
    abandonedOfDeadNode: abandoned.victim,
    outboxRows: outbox
  };
}

function merged(perWorker) {
  const sum = (key) => perWorker.reduce((total, s) => total + s[key], 0);
  const list = (key) => perWorker.flatMap((s) => s[key]);
  const errors = {};
  for (const s of perWorker)
    for (const [key, n] of Object.entries(s.errors)) errors[key] = (errors[key] ?? 0) + n;
  return { sum, list, errors };
}

export function summarizeRow(
  row,
  nodesPerWorker,
  { wallMs, ninetyAt, killedAt, killedAtEpoch, createMs, createFailures, activity, perWorker, check }
) {
  const { sum, list, errors } = merged(perWorker);
  const sweptAt = Math.min(...perWorker.map((s) => s.firstSweptAtEpoch ?? Infinity));
  return {
    nodes: row.nodes,
    tasks: row.tasks,
    abandonedOfLiveNodes: check.abandoned - check.abandonedOfDeadNode,
    pools: row.pools,
    processes: Math.ceil(row.nodes / nodesPerWorker),
    wallMs: Math.round(wallMs),
    ninetyMs: ninetyAt === null ? null : Math.round(ninetyAt),
    claimsPerS: ninetyAt === null ? null : rate(row.tasks * 0.9, ninetyAt),
    // The machine is shared (2 cores): its busy share from /proc/stat over the 5 s before the
    // row started (other work only) and during the row (this bench's processes, PostgreSQL's
    // backends and other work), with the lowest and highest 1 s sample.
    cpuBusy: { before: row.cpuBefore, during: row.cpuDuring },
    claimTxPerS: rate(sum("claimCalls"), wallMs),
    emptyClaimShare: Math.round((sum("emptyClaims") / Math.max(1, sum("claimCalls"))) * 100) / 100,
    claimMs: summarize(list("claimMs")),
    finishMs: summarize(list("finishMs")),
    renewalWritesPerS: rate(sum("heartbeats"), wallMs),
    runsRenewedPerS: rate(sum("renewedRuns"), wallMs),
    heartbeatMs: summarize(list("heartbeatMs")),
    createMs: summarize(createMs),
    creates: createMs.length,
    createFailures,
    sweeps: sum("sweeps"),
    sweepMs: summarize(list("sweepMs")),
    sweptRuns: sum("sweptRuns"),
    staleWrites: sum("staleWrites"),
    deadNodeAtMs: killedAt === null ? null : Math.round(killedAt),
    deadNodeRunsSweptAfterMs: killedAtEpoch === null || sweptAt === Infinity ? null : sweptAt - killedAtEpoch,
    connections: {
      peak: activity.openPeak,
      mean: activity.openMean,
      perNodePeak: Math.round((activity.openPeak / row.nodes) * 100) / 100,
      activeMean: activity.activeMean,
      activePeak: activity.activePeak,
      serverPeak: activity.serverConnectionsPeak,
      serverBefore: row.serverConnectionsBefore
    },
    lockWaits: {
      mean: activity.lockWaitsMean,
      peak: activity.lockWaitsPeak,
      sampleShare: Math.round((activity.samplesWithLockWait / Math.max(1, activity.samples)) * 100) / 100,
      waitedOn: activity.waitedOn
    },
    errors,
    check
  };
}
