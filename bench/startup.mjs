#!/usr/bin/env node
// Startup: codexd ready (API up and its codex app-server child initialized) against a bare
// `codex app-server` answering `initialize`, spawn to initialized, alternating, same machine,
// same run: the ratio of their p50s is the figure (goal ≤ 2). Beside it, not against a
// baseline: node's own floor (a node process answering one HTTP request, polled like codexd),
// codexd with its V8 code cache turned off (NODE_DISABLE_COMPILE_CACHE=1: what the cache
// saves), the CPU time codexd spent until ready (Linux: /proc, in 10 ms ticks; less noisy than
// wall time on a busy machine), and the conductor's restart (spawn to /healthz on a state dir
// it already used).
// Usage: node bench/startup.mjs [--runs N]   (BAA_BUNDLE=off: from the modules, not the bundle)
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { chooseEntry } from "../packages/bundle-chooser/dist/index.js";
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
writeCodexHome(home, model.baseUrl, BENCH_CODEX_OPTIONS);

/** CPU ms (user + system) a running process has used, from /proc; undefined where there is none. */
function cpuMsOf(pid) {
  if (process.platform !== "linux") return undefined;
  // Fields after the ")" closing the command name: utime and stime are the 12th and 13th, in ticks of 10 ms.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Spawn to the first /v1/codexd/status that shows the child running, in ms (and codexd's CPU by then). */
async function codexdReady(i, extra = {}) {
  const work = join(dir, `work-${i}`);
  mkdirSync(work, { recursive: true });
  const base = `http://127.0.0.1:${await freePort()}`;
  const conductorBase = "http://127.0.0.1:0";
  const env = nodeEnv({ codexHome: home, dir: work, codexdBase: base, conductorBase, extra });
  // BENCH_CPU_PROF=<dir>: codexd writes a V8 CPU profile there when it exits.
  const prof = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const started = performance.now();
  const child = spawn(process.execPath, [...prof, join(root, "apps/codexd/dist/main.js"), "start"], {
    cwd: work,
    env,
    stdio: "ignore"
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`codexd exited with ${child.exitCode}`);
      try {
        const res = await fetch(`${base}/v1/codexd/status`);
        const body = await res.json();
        if (body.data?.snapshot?.daemon?.child?.status === "running")
          return { ms: performance.now() - started, cpuMs: cpuMsOf(child.pid) };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(child);
  }
}

/** Spawn to the first /healthz answered, in ms: the conductor started again on the same state dir. */
async function conductorReady(i) {
  const work = join(dir, "conductor");
  mkdirSync(work, { recursive: true });
  const base = `http://127.0.0.1:${await freePort()}`;
  // No codexd: the conductor's start does not wait for it.
  const env = nodeEnv({ codexHome: home, dir: work, codexdBase: "http://127.0.0.1:9", conductorBase: base });
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, "apps/conductor-daemon/dist/main.js"), "start"], {
    cwd: work,
    env,
    stdio: "ignore"
  });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`conductor ${i} exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok)
          return { ms: performance.now() - started, cpuMs: cpuMsOf(child.pid) };
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    await stopChild(child);
  }
}

/** Spawn to the first answer of a node process that only listens: what any node service starts from. */
async function nodeFloor() {
  const port = await freePort();
  const script = `require("node:http").createServer((q, s) => s.end("{}")).listen(${port}, "127.0.0.1")`;
  const started = performance.now();
  const child = spawn(process.execPath, ["-e", script], { stdio: "ignore" });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the node floor exited with ${child.exitCode}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/`)).ok) return performance.now() - started;
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

const NO_CODE_CACHE = { NODE_DISABLE_COMPILE_CACHE: "1" };
const KINDS = ["bare", "codexd", "node", "uncached", "conductor"];
const SERIES = ["bare", "codexd", "codexdCpu", "node", "uncached", "uncachedCpu", "conductor"];
const samples = Object.fromEntries([...SERIES, "conductorCpu"].map((k) => [k, []]));
try {
  await bareReady("warm");
  // The first start from a new bundle writes its code cache (at exit); the ones measured use it.
  await codexdReady("warm");
  await nodeFloor();
  // The first start creates the conductor's database; the ones measured find it.
  await conductorReady("warm");
  for (let i = 0; i < runs; i += 1) {
    for (const which of i % 2 === 0 ? KINDS : [...KINDS].reverse()) {
      if (which === "bare") samples.bare.push(await bareReady(i));
      else if (which === "node") samples.node.push(await nodeFloor());
      else {
        const extra = which === "uncached" ? NO_CODE_CACHE : {};
        const { ms, cpuMs } =
          which === "conductor" ? await conductorReady(i) : await codexdReady(`${which}-${i}`, extra);
        samples[which].push(ms);
        if (cpuMs !== undefined) samples[`${which}Cpu`].push(cpuMs);
      }
    }
  }
} finally {
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
const bare = summarize(samples.bare);
const codexd = summarize(samples.codexd);
const conductor = summarize(samples.conductor);
const cpu = (list) => (list.length === 0 ? null : summarize(list));
const codexdCpu = cpu(samples.codexdCpu);
const node = summarize(samples.node);
const uncached = summarize(samples.uncached);
const uncachedCpu = cpu(samples.uncachedCpu);
const conductorCpu = cpu(samples.conductorCpu);
// What dist/main.js ran (docs/runtime/bundle.md): the bundle only when fresh, so say which.
const bundle = Object.fromEntries(
  ["codexd", "conductor-daemon"].map((app) => {
    const dist = new URL(`../apps/${app}/dist/`, import.meta.url);
    const choice = chooseEntry(
      new URL("bundle-manifest.json", dist),
      new URL("start.js", dist),
      process.env.BAA_BUNDLE
    );
    return [app, choice.use === "bundle" ? "bundle" : `modules (${choice.reason})`];
  })
);
const result = {
  bench: "startup",
  runs,
  bundle,
  bare,
  codexd,
  codexdCpu,
  node,
  uncached,
  uncachedCpu,
  conductor,
  conductorCpu,
  ratio: {
    p50: round(codexd.p50 / bare.p50),
    nodeFloor: round(node.p50 / bare.p50),
    uncached: round(uncached.p50 / bare.p50)
  },
  goal: { p50Ratio: 2.0 }
};
const cpuNote = (c) => (c ? `  (CPU p50 ${c.p50})` : "");
report(result, [
  `startup over ${runs} runs (ms, spawn to ready; codexd from ${bundle.codexd}, the conductor from ${bundle["conductor-daemon"]})`,
  `  bare app-server initialize  p50 ${bare.p50}  p90 ${bare.p90}`,
  `  codexd ready (child up)     p50 ${codexd.p50}  p90 ${codexd.p90}${cpuNote(codexdCpu)}`,
  `  ratio p50 ${result.ratio.p50} (goal ≤ ${result.goal.p50Ratio})`,
  `  node's floor (listen, answer) p50 ${node.p50}  p90 ${node.p90}: ${result.ratio.nodeFloor}× bare`,
  `  codexd, no code cache       p50 ${uncached.p50}  p90 ${uncached.p90}${cpuNote(uncachedCpu)}: ` +
    `${result.ratio.uncached}× bare`,
  `  conductor restart /healthz  p50 ${conductor.p50}  p90 ${conductor.p90}${conductorCpu ? `  (CPU p50 ${conductorCpu.p50})` : ""}`
]);
