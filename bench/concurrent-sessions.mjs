#!/usr/bin/env node
// N sessions, each with one turn, all started at once on one codex app-server child: straight
// to codexd and through the conductor, against the same N threads driven by a bare JSON-RPC
// loop. Codex's shell snapshot is on, as a user has it (each new thread runs the login shell).
// The headline is the first burst, cold: fresh children, N fresh sessions, no warm-up. Then
// `--rounds` warm bursts on the same sessions, alternating. Throughput ratio = bare wall time /
// ours; the spread of the N requests' arrival at the mock model tells whether something on the
// way to the child serialized them.
// Usage: node bench/concurrent-sessions.mjs [--sessions N] [--rounds N]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { startBareAppServer } from "./lib/bare-app-server.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { round } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({
  options: {
    sessions: { type: "string", default: "50" },
    "cold-rounds": { type: "string", default: "3" },
    rounds: { type: "string", default: "2" }
  }
});
const sessions = Number(values.sessions);
const coldRounds = Math.max(1, Number(values["cold-rounds"]));
const rounds = Number(values.rounds);
const KINDS = ["bare", "direct", "ours"];

const dir = mkdtempSync(join(tmpdir(), "baa-bench-conc-"));
const model = await startMockModel();
model.setDefaultReply(() => ({ kind: "text", text: "ok" }));
const work = join(dir, "work");
// No 429 may intervene: the point is how the path to the child behaves under N at once.
const env = {
  BAA_CODEXD_MAX_ACTIVE_TURNS: String(sessions * 2),
  BAA_CODEXD_MAX_SESSIONS: String(sessions * 4)
};

/** Starts one turn on every session at once; wall time until all completed, and the mock's arrival spread. */
async function burst(runners, label) {
  const from = model.requests.length;
  const started = performance.now();
  const startedAt = Date.now();
  const totals = await Promise.all(runners.map((r, i) => r.turn(`${label} ${i}`).then((t) => t.total)));
  const wallMs = performance.now() - started;
  const arrivals = model.requests.slice(from).map((r) => r.receivedAt);
  return {
    wallMs,
    slowestMs: Math.max(...totals),
    // From the burst's start to the model's first and last request, and between them.
    firstArrivalMs: Math.min(...arrivals) - startedAt,
    lastArrivalMs: Math.max(...arrivals) - startedAt,
    arrivalSpreadMs: Math.max(...arrivals) - Math.min(...arrivals)
  };
}

/**
 * One kind's fresh child, with its own new codex home and state dir: a stack (or the bare
 * driver) with N sessions opened at once, nothing run yet.
 */
async function freshRunners(which, round) {
  const home = join(dir, `home-${which}-${round}`);
  // The shell snapshot stays on (codex's default): the first burst is a user's, login shell and all.
  writeCodexHome(home, model.baseUrl);
  const cwd = join(work, `${which}-${round}`);
  mkdirSync(cwd, { recursive: true });
  if (which === "bare") {
    const bare = await startBareAppServer({ codexHome: home, cwd });
    return {
      close: async () => bare.close(),
      runners: await Promise.all(Array.from({ length: sessions }, () => bare.openThread()))
    };
  }
  const stack = await startNodeStack({ codexHome: home, dir: cwd, env, direct: which === "direct" });
  return {
    close: () => stack.close(),
    runners: await Promise.all(Array.from({ length: sessions }, () => stack.openSession()))
  };
}

const cold = { bare: [], direct: [], ours: [] };
const warm = { bare: [], direct: [], ours: [] };
let open = {};
try {
  // Cold: each kind's first burst on a fresh child, one kind at a time, the order alternating
  // round by round (the machine's load drifts); each child is closed after its burst but the
  // last round's, which the warm bursts reuse.
  for (let i = 0; i < coldRounds; i += 1) {
    for (const which of i % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      open[which] = await freshRunners(which, i);
      cold[which].push(await burst(open[which].runners, `cold ${i}`));
      if (i < coldRounds - 1) await open[which].close();
    }
    if (i < coldRounds - 1) open = {};
  }
  for (let i = 0; i < rounds; i += 1) {
    for (const which of i % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      warm[which].push(await burst(open[which].runners, `round ${i}`));
    }
  }
} finally {
  for (const kind of Object.values(open)) await kind.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medianOf = (runs) =>
  runs.length === 0
    ? null
    : Object.fromEntries(Object.keys(runs[0]).map((key) => [key, round(median(runs.map((r) => r[key])))]));
const coldSummary = Object.fromEntries(Object.entries(cold).map(([k, runs]) => [k, medianOf(runs)]));
const warmSummary = Object.fromEntries(Object.entries(warm).map(([k, runs]) => [k, medianOf(runs)]));
// Per round, ours against the bare burst of the same round; the headline is their median.
const roundRatios = (k) => cold[k].map((b, i) => round(cold.bare[i].wallMs / b.wallMs));
const ratioOf = (s, k) => (s.bare && s[k] ? round(s.bare.wallMs / s[k].wallMs) : null);
const result = {
  bench: "concurrent-sessions",
  sessions,
  coldRounds,
  rounds,
  shellSnapshot: true,
  cold: coldSummary,
  // Every cold burst, round by round (the load moves; a median hides how much).
  coldRuns: Object.fromEntries(
    Object.entries(cold).map(([k, runs]) => [k, runs.map((b) => round(b.wallMs))])
  ),
  warm: warmSummary,
  ratio: {
    coldDirect: round(median(roundRatios("direct"))),
    coldConductor: round(median(roundRatios("ours"))),
    coldDirectRounds: roundRatios("direct"),
    coldConductorRounds: roundRatios("ours"),
    warmDirect: ratioOf(warmSummary, "direct"),
    warmConductor: ratioOf(warmSummary, "ours")
  },
  goal: { coldDirect: 0.9, coldConductor: 0.9 }
};
const line = (name, b) =>
  b === null
    ? `  ${name}: -`
    : `  ${name.padEnd(9)} wall ${b.wallMs}  model saw the requests from ${b.firstArrivalMs ?? "-"} to ${b.lastArrivalMs ?? "-"} ms (spread ${b.arrivalSpreadMs})`;
report(result, [
  `${sessions} sessions, one turn each at once, shell snapshot on (ms)`,
  `cold: the first burst on fresh sessions of a fresh child (median of ${coldRounds} rounds, each on new children)`,
  line("bare", coldSummary.bare),
  line("codexd", coldSummary.direct),
  line("conductor", coldSummary.ours),
  `  walls by round: bare ${result.coldRuns.bare.join(", ")}; codexd ${result.coldRuns.direct.join(", ")}; conductor ${result.coldRuns.ours.join(", ")}`,
  `  throughput ratio (median of rounds): codexd ${result.ratio.coldDirect} (${roundRatios("direct").join(", ")}),` +
    ` conductor ${result.ratio.coldConductor} (${roundRatios("ours").join(", ")}) (goal ≥ 0.9)`,
  `warm: median of ${rounds} bursts on the same sessions`,
  ...(rounds === 0
    ? []
    : [
        line("bare", warmSummary.bare),
        line("codexd", warmSummary.direct),
        line("conductor", warmSummary.ours)
      ]),
  `  throughput ratio: codexd ${result.ratio.warmDirect}, conductor ${result.ratio.warmConductor}`
]);
