#!/usr/bin/env node
// `pnpm bench`: every benchmark in turn (each a child process, sized to finish the whole set in
// about six minutes on 2 cores), each printing its table; the last line printed is one JSON
// object with every ratio, read from bench/results/latest.json.
// Usage: node bench/run-all.mjs [name ...]   (names as in BENCHES; default all)
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const here = new URL(".", import.meta.url).pathname;
const BENCHES = [
  ["turn-latency", ["--turns", "60"]],
  ["event-fanout", []],
  ["concurrent-sessions", ["--sessions", "50", "--rounds", "2"]],
  ["startup", ["--runs", "8"]],
  ["task-claim", ["--tasks", "1000"]],
  ["proxy-throughput", ["--seconds", "10"]],
  ["soak", ["--events", "10000"]]
];
const wanted = process.argv.slice(2);
const failed = [];
for (const [name, args] of BENCHES) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  console.log(`\n## ${name}`);
  const run = spawnSync(process.execPath, [join(here, `${name}.mjs`), ...args], {
    stdio: "inherit",
    timeout: 180_000
  });
  if (run.status !== 0) failed.push(name);
}
const latest = JSON.parse(readFileSync(join(here, "results", "latest.json"), "utf8"));
const ratios = Object.fromEntries(
  Object.entries(latest)
    .filter(([, result]) => result && typeof result === "object" && result.ratio)
    .map(([name, result]) => [name, result.ratio])
);
if (failed.length > 0) console.error(`benches that failed: ${failed.join(", ")}`);
console.log(JSON.stringify({ ratios, failed }));
process.exit(failed.length > 0 ? 1 : 0);
