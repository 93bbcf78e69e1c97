#!/usr/bin/env node
// Turn latency end to end: conductor → codexd → app-server against the same turns sent by a
// minimal JSON-RPC driver straight to a bare `codex app-server`, one mock model, one run.
// Turns alternate between the two paths so drift on a shared machine hits both alike.
// Usage: node bench/turn-latency.mjs [--turns N] [--warmup N]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { resolveCodexBinary } from "@baa/codex-binary";
import { startBareAppServer } from "./lib/bare-app-server.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { round, summarize } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({
  options: { turns: { type: "string", default: "60" }, warmup: { type: "string", default: "5" } }
});
const turns = Number(values.turns);
const warmup = Number(values.warmup);

const dir = mkdtempSync(join(tmpdir(), "baa-bench-"));
const model = await startMockModel();
model.setDefaultReply(() => ({ kind: "text", text: "ok" }));
const baselineHome = join(dir, "codex-home-baseline");
const oursHome = join(dir, "codex-home-ours");
writeCodexHome(baselineHome, model.baseUrl, BENCH_CODEX_OPTIONS);
writeCodexHome(oursHome, model.baseUrl, BENCH_CODEX_OPTIONS);
const work = join(dir, "work");
mkdirSync(work);

const bare = await startBareAppServer({ codexHome: baselineHome, cwd: work });
const ours = await startNodeStack({ codexHome: oursHome, dir: work });
const samples = { baseline: [], ours: [] };
const accepts = { baseline: [], ours: [] };
try {
  for (let i = 0; i < warmup + turns; i += 1) {
    const order = i % 2 === 0 ? ["baseline", "ours"] : ["ours", "baseline"];
    for (const which of order) {
      const { total, accept } = await (which === "baseline" ? bare : ours).turn(`turn ${i}`);
      if (i >= warmup) {
        samples[which].push(total);
        accepts[which].push(accept);
      }
    }
  }
} finally {
  bare.close();
  await ours.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}

const baseline = summarize(samples.baseline);
const product = summarize(samples.ours);
const result = {
  bench: "turn-latency",
  codexVersion: resolveCodexBinary().version,
  turns,
  warmup,
  baseline: { path: "JSON-RPC driver → bare codex app-server", ...baseline },
  ours: { path: "HTTP → conductor → codexd → codex app-server, completion on WS", ...product },
  ratio: { p50: round(product.p50 / baseline.p50), p99: round(product.p99 / baseline.p99) },
  // Until the turn is accepted (turn/start answered; the 202): where the request path's hops show.
  accept: { baseline: summarize(accepts.baseline), ours: summarize(accepts.ours) },
  goal: { p50Ratio: 1.05, p99Ratio: 1.1 }
};
report(result, [
  `turn latency over ${turns} turns (ms)`,
  `  baseline  p50 ${baseline.p50}  p99 ${baseline.p99}`,
  `  ours      p50 ${product.p50}  p99 ${product.p99}`,
  `  ratio     p50 ${result.ratio.p50}  p99 ${result.ratio.p99}  (goal p50 ≤ ${result.goal.p50Ratio}, p99 ≤ ${result.goal.p99Ratio})`,
  `  accepted  baseline p50 ${result.accept.baseline.p50}  ours p50 ${result.accept.ours.p50}`
]);
