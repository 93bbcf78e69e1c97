#!/usr/bin/env node
// N sessions, each with one turn, all started at once on one codex app-server child: through
// the conductor (and straight to codexd) against the same N threads driven by a bare JSON-RPC
// loop. Throughput ratio = bare wall time / ours; the slowest session's share tells whether
// turns ran side by side or one after another.
// Usage: node bench/concurrent-sessions.mjs [--sessions N] [--rounds N]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { startBareAppServer } from "./lib/bare-app-server.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { round } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({ options: { sessions: { type: "string", default: "50" }, rounds: { type: "string", default: "2" } } });
const sessions = Number(values.sessions);
const rounds = Number(values.rounds);

const dir = mkdtempSync(join(tmpdir(), "baa-bench-conc-"));
const model = await startMockModel();
model.setDefaultReply(() => ({ kind: "text", text: "ok" }));
const homes = { bare: join(dir, "home-bare"), ours: join(dir, "home-ours"), direct: join(dir, "home-direct") };
for (const home of Object.values(homes)) writeCodexHome(home, model.baseUrl, BENCH_CODEX_OPTIONS);
const work = join(dir, "work");
for (const sub of ["", "ours", "direct"]) mkdirSync(join(work, sub), { recursive: true });
// No 429 may intervene: the point is how the path to the child behaves under N at once.
const env = { BAA_CODEXD_MAX_ACTIVE_TURNS: String(sessions * 2), BAA_CODEXD_MAX_SESSIONS: String(sessions * 4) };

/** Starts one turn on every session at once; wall time until all completed, and the mock's arrival spread. */
async function burst(runners, label) {
  const from = model.requests.length;
  const started = performance.now();
  const totals = await Promise.all(runners.map((r, i) => r.turn(`${label} ${i}`).then((t) => t.total)));
  const wallMs = performance.now() - started;
  const arrivals = model.requests.slice(from).map((r) => r.receivedAt);
  return { wallMs, slowestMs: Math.max(...totals), arrivalSpreadMs: Math.max(...arrivals) - Math.min(...arrivals) };
}

const results = { bare: [], ours: [], direct: [] };
const bare = await startBareAppServer({ codexHome: homes.bare, cwd: work });
const ours = await startNodeStack({ codexHome: homes.ours, dir: join(work, "ours"), env });
const direct = await startNodeStack({ codexHome: homes.direct, dir: join(work, "direct"), env, direct: true });
try {
  const runners = {
    bare: await Promise.all(Array.from({ length: sessions }, () => bare.openThread())),
    ours: await Promise.all(Array.from({ length: sessions }, () => ours.openSession())),
    direct: await Promise.all(Array.from({ length: sessions }, () => direct.openSession()))
  };
  // One warm-up burst each, then alternate.
  for (const which of ["bare", "ours", "direct"]) await burst(runners[which], "warm");
  for (let i = 0; i < rounds; i += 1) {
    for (const which of i % 2 === 0 ? ["bare", "ours", "direct"] : ["direct", "ours", "bare"]) {
      results[which].push(await burst(runners[which], `round ${i}`));
    }
  }
} finally {
  bare.close();
  await ours.close();
  await direct.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = Object.fromEntries(
  Object.entries(results).map(([k, runs]) => [
    k,
    {
      wallMs: round(median(runs.map((r) => r.wallMs))),
      slowestMs: round(median(runs.map((r) => r.slowestMs))),
      arrivalSpreadMs: round(median(runs.map((r) => r.arrivalSpreadMs)))
    }
  ])
);
const result = {
  bench: "concurrent-sessions",
  sessions,
  rounds,
  ...summary,
  ratio: {
    throughput: round(summary.bare.wallMs / summary.ours.wallMs),
    throughputDirect: round(summary.bare.wallMs / summary.direct.wallMs),
    slowestShare: round(summary.ours.slowestMs / summary.ours.wallMs)
  },
  goal: { throughput: 0.9 }
};
report(result, [
  `${sessions} sessions, one turn each at once (median of ${rounds} bursts, ms)`,
  `  bare      wall ${summary.bare.wallMs}  mock arrivals spread ${summary.bare.arrivalSpreadMs}`,
  `  conductor wall ${summary.ours.wallMs}  mock arrivals spread ${summary.ours.arrivalSpreadMs}`,
  `  codexd    wall ${summary.direct.wallMs}  mock arrivals spread ${summary.direct.arrivalSpreadMs}`,
  `  throughput ratio ${result.ratio.throughput} (direct ${result.ratio.throughputDirect}; goal ≥ ${result.goal.throughput})`
]);
