#!/usr/bin/env node
// CPU time codexd and the conductor spend per turn (user + system, from /proc), over N turns
// through the whole stack against the mock model. On a 2-core machine this is what competes
// with codex itself, so it is the number to push down when turn latency lags the baseline.
// Usage: node bench/cpu-per-turn.mjs [--turns N]   (Linux only)
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { round } from "./lib/stats.mjs";

const { values } = parseArgs({ options: { turns: { type: "string", default: "100" } } });
const turns = Number(values.turns);
const ticksToMs = 10; // USER_HZ is 100 on Linux

function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * ticksToMs;
}

const dir = mkdtempSync(join(tmpdir(), "baa-bench-cpu-"));
const model = await startMockModel();
model.setDefaultReply(() => ({ kind: "text", text: "ok" }));
writeCodexHome(join(dir, "codex-home"), model.baseUrl, BENCH_CODEX_OPTIONS);
mkdirSync(join(dir, "work"));
const stack = await startNodeStack({ codexHome: join(dir, "codex-home"), dir: join(dir, "work") });
let result;
try {
  for (let i = 0; i < 5; i += 1) await stack.turn(`warm ${i}`);
  const before = { codexd: cpuMs(stack.pids.codexd), conductor: cpuMs(stack.pids.conductor) };
  for (let i = 0; i < turns; i += 1) await stack.turn(`turn ${i}`);
  const after = { codexd: cpuMs(stack.pids.codexd), conductor: cpuMs(stack.pids.conductor) };
  result = {
    bench: "cpu-per-turn",
    at: new Date().toISOString(),
    turns,
    msPerTurn: {
      codexd: round((after.codexd - before.codexd) / turns),
      conductor: round((after.conductor - before.conductor) / turns)
    }
  };
} finally {
  await stack.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
writeFileSync(
  join(new URL(".", import.meta.url).pathname, "results", "cpu-per-turn.json"),
  `${JSON.stringify(result, null, 2)}\n`
);
console.log(`CPU per turn over ${turns} turns: codexd ${result.msPerTurn.codexd} ms, conductor ${result.msPerTurn.conductor} ms
written to bench/results/cpu-per-turn.json`);
