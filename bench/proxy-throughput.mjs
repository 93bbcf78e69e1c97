#!/usr/bin/env node
// Proxy throughput: many keep-alive connections on `GET /v1/codex/sessions` through the
// conductor against `GET /v1/codexd/sessions` on codexd directly, same node, same run.
// The proxy's own cost should be no more than codexd's: ratio (through / direct) ≥ 0.5.
// Usage: node bench/proxy-throughput.mjs [--connections N] [--seconds N]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { round } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({
  options: { connections: { type: "string", default: "200" }, seconds: { type: "string", default: "10" } }
});
const connections = Number(values.connections);
const seconds = Number(values.seconds);

const dir = mkdtempSync(join(tmpdir(), "baa-bench-proxy-"));
const model = await startMockModel();
writeCodexHome(join(dir, "home"), model.baseUrl, BENCH_CODEX_OPTIONS);
mkdirSync(join(dir, "work"));
const stack = await startNodeStack({ codexHome: join(dir, "home"), dir: join(dir, "work") });

const run = (url) =>
  new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds, pipelining: 1 }, (error, result) =>
      error ? reject(error) : resolve(result)
    );
  });
// CPU (user + system) a process spent, in ms, from /proc (Linux; USER_HZ 100).
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
};
/** Runs autocannon and notes the CPU each service spent per 1,000 requests meanwhile. */
async function measure(url) {
  const before = { codexd: cpuMs(stack.pids.codexd), conductor: cpuMs(stack.pids.conductor) };
  const r = await run(url);
  const per1k = (which) =>
    round(((cpuMs(stack.pids[which]) - before[which]) / Math.max(1, r.requests.total)) * 1000);
  return { ...summary(r), cpuMsPer1kRequests: { codexd: per1k("codexd"), conductor: per1k("conductor") } };
}
const summary = (r) => ({
  requestsPerSecond: round(r.requests.average),
  p50Ms: r.latency.p50,
  p99Ms: r.latency.p99,
  errors: r.errors + r.timeouts,
  non2xx: r.non2xx
});
let direct;
let through;
try {
  await run(`${stack.codexdBase}/v1/codexd/sessions`); // warm-up both paths briefly
  direct = await measure(`${stack.codexdBase}/v1/codexd/sessions`);
  through = await measure(`${stack.conductorBase}/v1/codex/sessions`);
} finally {
  await stack.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
const result = {
  bench: "proxy-throughput",
  connections,
  seconds,
  direct,
  through,
  ratio: {
    throughput: round(through.requestsPerSecond / direct.requestsPerSecond),
    p99: round(through.p99Ms / Math.max(1, direct.p99Ms))
  },
  goal: { throughput: 0.5 }
};
report(result, [
  `GET sessions, ${connections} keep-alive connections, ${seconds} s each`,
  `  codexd direct  ${direct.requestsPerSecond} req/s  p50 ${direct.p50Ms} ms  p99 ${direct.p99Ms} ms  errors ${direct.errors} non-2xx ${direct.non2xx}`,
  `  via conductor  ${through.requestsPerSecond} req/s  p50 ${through.p50Ms} ms  p99 ${through.p99Ms} ms  errors ${through.errors} non-2xx ${through.non2xx}`,
  `  CPU ms per 1k requests: direct codexd ${direct.cpuMsPer1kRequests.codexd}; via conductor codexd ${through.cpuMsPer1kRequests.codexd} + conductor ${through.cpuMsPer1kRequests.conductor}`,
  `  ratio ${result.ratio.throughput} (goal ≥ ${result.goal.throughput})`
]);
