#!/usr/bin/env node
// Event fan-out: S WebSocket subscribers on one session's stream while a turn streams D deltas,
// through the conductor's relay (/v1/codex/events) and on codexd's own stream
// (/v1/codexd/events), against a bare `ws` server that replays the very frames codexd sent, at
// the pace codexd produced them, to as many subscribers. Measured: delivered events/s (all
// subscribers together) and the delivery lag, event time (`at`) to receipt.
// Usage: node bench/event-fanout.mjs [--subscribers N] [--deltas N]
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import WebSocket, { WebSocketServer } from "ws";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { BENCH_CODEX_OPTIONS } from "./lib/codex-options.mjs";
import { postJson } from "./lib/http-client.mjs";
import { startNodeStack } from "./lib/node-stack.mjs";
import { percentile, round } from "./lib/stats.mjs";
import { report } from "./lib/report.mjs";

const { values } = parseArgs({ options: { subscribers: { type: "string", default: "100" }, deltas: { type: "string", default: "2000" } } });
const subscribers = Number(values.subscribers);
const deltas = Number(values.deltas);

const dir = mkdtempSync(join(tmpdir(), "baa-bench-fanout-"));
const model = await startMockModel();
writeCodexHome(join(dir, "home"), model.baseUrl, BENCH_CODEX_OPTIONS);
mkdirSync(join(dir, "work"));
const stack = await startNodeStack({ codexHome: join(dir, "home"), dir: join(dir, "work") });

async function openSubscribers(url, count) {
  const sockets = await Promise.all(
    Array.from({ length: count }, () => {
      const socket = new WebSocket(url, { perMessageDeflate: false });
      return new Promise((resolve, reject) => {
        socket.once("open", () => resolve(socket));
        socket.once("error", reject);
      });
    })
  );
  return sockets;
}

/**
 * Listens on every socket until each saw `expect` frames whose type starts with `prefix` (or
 * the turn's completion); returns lags (ms) and the delivery window.
 */
function collect(sockets, { isDelta, isEnd, eventTime }) {
  const lags = [];
  let first = Infinity;
  let last = 0;
  let delivered = 0;
  const frames = [];
  const done = sockets.map(
    (socket, index) =>
      new Promise((resolve) => {
        socket.on("message", (raw) => {
          const now = Date.now();
          const text = String(raw);
          const event = JSON.parse(text);
          if (isDelta(event)) {
            delivered += 1;
            first = Math.min(first, now);
            last = Math.max(last, now);
            lags.push(now - eventTime(event));
            if (index === 0) frames.push({ text, at: eventTime(event) });
          }
          if (isEnd(event)) resolve();
        });
      })
  );
  return { done: Promise.all(done), result: () => ({ lags, delivered, windowMs: Math.max(1, last - first), frames }) };
}

const codexIsDelta = (e) => e.type === "app-server.item.agentMessage.delta";
const codexIsEnd = (e) => e.type === "app-server.turn.completed";
const codexTime = (e) => Date.parse(e.at);

async function measureStack(path) {
  const session = await stack.openSession();
  const url = `${path.replace("http", "ws")}/events?sessionId=${session.sessionId}`;
  const sockets = await openSubscribers(url, subscribers);
  const run = collect(sockets, { isDelta: codexIsDelta, isEnd: codexIsEnd, eventTime: codexTime });
  model.enqueue({ kind: "text", text: "x".repeat(deltas), chunks: deltas });
  const { status } = await postJson(`${stack.apiBase}/turn`, { sessionId: session.sessionId, input: "stream" });
  if (status !== 202) throw new Error(`turn answered ${status}`);
  await run.done;
  for (const socket of sockets) socket.close();
  return run.result();
}

async function measureBare(frames) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise((resolve) => server.once("listening", resolve));
  const sockets = await openSubscribers(`ws://127.0.0.1:${server.address().port}`, subscribers);
  const run = collect(sockets, {
    isDelta: (e) => e.type === "delta",
    isEnd: (e) => e.type === "end",
    eventTime: (e) => e.at
  });
  // Same frame sizes, same pace: each frame goes out when its original was produced.
  const start = Date.now();
  const origin = frames[0]?.at ?? start;
  for (const frame of frames) {
    const wait = frame.at - origin - (Date.now() - start);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const text = JSON.stringify({ type: "delta", at: Date.now(), pad: frame.text.slice(0, Math.max(0, frame.text.length - 40)) });
    for (const client of server.clients) client.send(text);
  }
  for (const client of server.clients) client.send(JSON.stringify({ type: "end", at: Date.now() }));
  await run.done;
  for (const socket of sockets) socket.close();
  await new Promise((resolve) => server.close(resolve));
  return run.result();
}

const summarize = (r) => ({
  delivered: r.delivered,
  eventsPerSecond: round((r.delivered / r.windowMs) * 1000),
  lagP50Ms: percentile(r.lags, 50),
  lagP99Ms: percentile(r.lags, 99)
});
let relay;
let direct;
let bare;
try {
  await measureStack(`${stack.conductorBase}/v1/codex`); // warm-up
  const relayRun = await measureStack(`${stack.conductorBase}/v1/codex`);
  relay = summarize(relayRun);
  direct = summarize(await measureStack(`${stack.codexdBase}/v1/codexd`));
  bare = summarize(await measureBare(relayRun.frames));
} finally {
  await stack.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
const result = {
  bench: "event-fanout",
  subscribers,
  deltas,
  relay,
  codexd: direct,
  bare,
  ratio: {
    throughput: round(relay.eventsPerSecond / bare.eventsPerSecond),
    lagP99: round(relay.lagP99Ms / Math.max(1, bare.lagP99Ms))
  },
  goal: { throughput: 0.8, lagP99: 1.5 }
};
report(result, [
  `${subscribers} subscribers, a turn of ${deltas} deltas`,
  `  conductor relay  ${relay.eventsPerSecond} events/s  lag p50 ${relay.lagP50Ms} ms  p99 ${relay.lagP99Ms} ms  (${relay.delivered} delivered)`,
  `  codexd direct    ${direct.eventsPerSecond} events/s  lag p50 ${direct.lagP50Ms} ms  p99 ${direct.lagP99Ms} ms  (${direct.delivered} delivered)`,
  `  bare ws replay   ${bare.eventsPerSecond} events/s  lag p50 ${bare.lagP50Ms} ms  p99 ${bare.lagP99Ms} ms  (${bare.delivered} delivered)`,
  `  ratio throughput ${result.ratio.throughput} (goal ≥ 0.8), lag p99 ${result.ratio.lagP99} (goal ≤ 1.5)`
]);
