#!/usr/bin/env node
// Soak: E events through codexd (turns of many deltas) with live subscribers on the conductor's
// relay; codexd's and the conductor's RSS sampled after every turn (start, middle, end after
// warm-up should stay within ±10%), and the event log's disk use against its cap.
// Usage: node bench/soak.mjs [--events N] [--subscribers N]   (Linux: reads /proc)
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { round } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({
  options: { events: { type: "string", default: "10000" }, subscribers: { type: "string", default: "20" } }
});
const events = Number(values.events);
const subscribers = Number(values.subscribers);
const perTurn = 500;
const turns = Math.ceil(events / perTurn);
const capBytes = 4 * 1024 * 1024;

const rssMiB = (pid) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) / 1024;
const dirBytes = (path) =>
  readdirSync(path, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? dirBytes(join(path, e.name)) : statSync(join(path, e.name)).size),
    0
  );

const dir = mkdtempSync(join(tmpdir(), "baa-bench-soak-"));
const model = await startMockModel();
writeCodexHome(join(dir, "home"), model.baseUrl, BENCH_CODEX_OPTIONS);
const work = join(dir, "work");
mkdirSync(work);
const stack = await startNodeStack({
  codexHome: join(dir, "home"),
  dir: work,
  env: {
    BAA_CODEXD_EVENT_LOG_MAX_TOTAL_BYTES: String(capBytes),
    BAA_CODEXD_EVENT_LOG_MAX_FILE_BYTES: String(capBytes / 4)
  }
});
const samples = [];
let received = 0;
let maxLogBytes = 0;
try {
  const sockets = await Promise.all(
    Array.from({ length: subscribers }, () => {
      const socket = new WebSocket(
        `${stack.conductorBase.replace("http", "ws")}/v1/codex/events?sessionId=${stack.sessionId}`
      );
      socket.on("message", () => (received += 1));
      return new Promise((resolve, reject) => {
        socket.once("open", () => resolve(socket));
        socket.once("error", reject);
      });
    })
  );
  for (let i = 0; i < turns; i += 1) {
    model.enqueue({ kind: "text", text: "y".repeat(perTurn * 8), chunks: perTurn });
    await stack.turn(`soak ${i}`);
    maxLogBytes = Math.max(maxLogBytes, dirBytes(join(work, "logs/codexd")));
    samples.push({
      turn: i + 1,
      codexd: round(rssMiB(stack.pids.codexd)),
      conductor: round(rssMiB(stack.pids.conductor))
    });
  }
  for (const socket of sockets) socket.close();
} finally {
  await stack.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
// Warm-up: the first quarter of the turns.
const warm = samples[Math.floor(samples.length / 4)];
const mid = samples[Math.floor(samples.length / 2)];
const end = samples.at(-1);
const drift = (which) => round(end[which] / warm[which] - 1);
const result = {
  bench: "soak",
  events: turns * perTurn,
  subscribers,
  received,
  rssMiB: { start: samples[0], warm, mid, end },
  drift: { codexd: drift("codexd"), conductor: drift("conductor") },
  logDisk: { maxBytes: maxLogBytes, capBytes },
  goal: { drift: 0.1 }
};
report(result, [
  `soak: ${result.events} events, ${subscribers} subscribers (${received} frames received)`,
  `  codexd RSS MiB     start ${samples[0].codexd}  warm ${warm.codexd}  mid ${mid.codexd}  end ${end.codexd}  drift ${result.drift.codexd}`,
  `  conductor RSS MiB  start ${samples[0].conductor}  warm ${warm.conductor}  mid ${mid.conductor}  end ${end.conductor}  drift ${result.drift.conductor}`,
  `  event log on disk  max ${maxLogBytes} bytes (cap ${capBytes}; the cap applies to rotated segments plus the active file)`,
  `  goal: drift within ±${result.goal.drift}`
]);
