#!/usr/bin/env node
// Startup: codexd ready (API up and its codex app-server child initialized) against a bare
// `codex app-server` answering `initialize`, alternating, same machine, same run.
// Usage: node bench/startup.mjs [--runs N]
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { startBareAppServer } from "./lib/bare-app-server.mjs";
import { freePort, nodeEnv, stopChild } from "./lib/node-stack.mjs";
import { round, summarize } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({ options: { runs: { type: "string", default: "8" } } });
const runs = Number(values.runs);
const root = new URL("..", import.meta.url).pathname;

const dir = mkdtempSync(join(tmpdir(), "baa-bench-start-"));
const model = await startMockModel();
const home = join(dir, "home");
writeCodexHome(home, model.baseUrl);

/** Spawn to the first /v1/codexd/status that shows the child running, in ms. */
async function codexdReady(i) {
  const work = join(dir, `work-${i}`);
  mkdirSync(work, { recursive: true });
  const base = `http://127.0.0.1:${await freePort()}`;
  const env = nodeEnv({ codexHome: home, dir: work, codexdBase: base, conductorBase: "http://127.0.0.1:0" });
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "apps/codexd/dist/main.js"), "start"], { cwd: work, env, stdio: "ignore" });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`codexd exited with ${child.exitCode}`);
      try {
        const res = await fetch(`${base}/v1/codexd/status`);
        const body = await res.json();
        if (body.data?.snapshot?.daemon?.child?.status === "running") return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(child);
  }
}

async function bareReady(i) {
  const work = join(dir, `bare-${i}`);
  mkdirSync(work, { recursive: true });
  const bare = await startBareAppServer({ codexHome: home, cwd: work });
  bare.close();
  return bare.initializedMs;
}

const samples = { bare: [], codexd: [] };
try {
  await bareReady("warm");
  await codexdReady("warm");
  for (let i = 0; i < runs; i += 1) {
    for (const which of i % 2 === 0 ? ["bare", "codexd"] : ["codexd", "bare"]) {
      samples[which].push(which === "bare" ? await bareReady(i) : await codexdReady(i));
    }
  }
} finally {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
const bare = summarize(samples.bare);
const codexd = summarize(samples.codexd);
const result = { bench: "startup", runs, bare, codexd, ratio: { p50: round(codexd.p50 / bare.p50) }, goal: { p50Ratio: 1.2 } };
report(result, [
  `startup over ${runs} runs (ms, spawn to ready)`,
  `  bare app-server initialize  p50 ${bare.p50}  p90 ${bare.p90}`,
  `  codexd ready (child up)     p50 ${codexd.p50}  p90 ${codexd.p90}`,
  `  ratio p50 ${result.ratio.p50} (goal ≤ ${result.goal.p50Ratio})`
]);
