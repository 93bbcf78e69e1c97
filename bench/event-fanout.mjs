#!/usr/bin/env node
// Event fan-out: S WebSocket subscribers on one session's stream while a turn streams D deltas,
// through the conductor's relay (/v1/codex/events) and on codexd's own stream
// (/v1/codexd/events), against the floor: a bare `ws` server broadcasting the very frames codexd
// sent (re-stamped) to as many subscribers as fast as it can, yielding to the event loop every
// 50 frames. Measured: delivered events/s (all subscribers together) and the delivery lag,
// receipt time minus the event's `at`; the p99 lag of each stream over the floor's is the ratio.
// The subscribers read frames off their sockets with a lean frame parser (`--client raw`, the
// default) so that the one measuring process keeps up with a million frames a second; `--client
// ws` uses the `ws` client instead, whose per-frame cost makes the client what is measured.
// Also reported: the CPU codexd, the conductor and this process spent on each turn.
// Usage: node bench/event-fanout.mjs [--subscribers N] [--deltas N] [--rounds N] [--client raw|ws]
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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
import { eventFrameReader } from "./lib/event-frame-fields.mjs";
import { openRawSubscriber } from "./lib/raw-ws-subscriber.mjs";

const { values } = parseArgs({
  options: {
    subscribers: { type: "string", default: "100" },
    deltas: { type: "string", default: "2000" },
    rounds: { type: "string", default: "5" },
    client: { type: "string", default: "raw" }
  }
});
const subscribers = Number(values.subscribers);
const deltas = Number(values.deltas);
const rounds = Number(values.rounds);
if (!["raw", "ws"].includes(values.client)) throw new Error("--client is raw or ws");

const dir = mkdtempSync(join(tmpdir(), "baa-bench-fanout-"));
const model = await startMockModel();
writeCodexHome(join(dir, "home"), model.baseUrl, BENCH_CODEX_OPTIONS);
mkdirSync(join(dir, "work"));
const stack = await startNodeStack({ codexHome: join(dir, "home"), dir: join(dir, "work") });

async function openSubscribers(url, count) {
  if (values.client === "raw")
    return Promise.all(Array.from({ length: count }, () => openRawSubscriber(url)));
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

// The measuring client reads a frame's type and `at` from its bytes, not by parsing the JSON:
// one process receives all subscribers' frames, and a cheap reader keeps it from being what is
// measured. Every stream's frames (the floor's too) are codexd's events.
const frameFields = eventFrameReader({
  delta: "app-server.item.agentMessage.delta",
  end: "app-server.turn.completed"
});

/**
 * Listens on every socket until each saw the turn's completion (or closed); returns the lags
 * (ms) of the deltas, the delivery window, and subscriber 0's frames for the floor to send.
 */
function collect(sockets) {
  const lags = [];
  let first = Infinity;
  let firstAt = Infinity;
  let lastAt = 0;
  let last = 0;
  let delivered = 0;
  const frames = [];
  const closedEarly = [];
  const done = sockets.map(
    (socket, index) =>
      new Promise((resolve) => {
        socket.on("message", (raw) => {
          const now = Date.now();
          const kind = frameFields.kind(raw);
          if (kind === "delta") {
            delivered += 1;
            first = Math.min(first, now);
            last = Math.max(last, now);
            const at = frameFields.at(raw);
            firstAt = Math.min(firstAt, at);
            lastAt = Math.max(lastAt, at);
            lags.push(now - at);
            if (index === 0) frames.push({ text: String(raw), at });
          }
          if (kind === "end") resolve();
        });
        // A stream closed early (a slow subscriber cut off) is counted, not waited for.
        socket.on("close", (code) => {
          closedEarly.push(code);
          resolve();
        });
      })
  );
  let ended = 0;
  for (const d of done) d.then(() => (ended += 1));
  const result = () => ({
    lags,
    delivered,
    windowMs: Math.max(1, last - first),
    producedMs: Math.max(0, lastAt - firstAt),
    frames,
    closedEarly
  });
  const state = () => `${ended} of ${sockets.length} subscribers ended, ${delivered} deltas delivered`;
  return { done: withDeadline(Promise.all(done), state), result };
}

// A measurement that never ends (a lost completion) fails the bench instead of hanging it.
const MEASURE_DEADLINE_MS = 120_000;
async function withDeadline(promise, state) {
  let timer;
  const expired = new Promise((_, reject) => {
    const fail = () => reject(new Error(`no turn completion within ${MEASURE_DEADLINE_MS} ms: ${state()}`));
    timer = setTimeout(fail, MEASURE_DEADLINE_MS);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

// A subscriber's socket opens before its stream is subscribed upstream (the relay reaches codexd
// after the client's handshake), so short probe turns run until every subscriber saw one.
async function primeSubscribers(sockets, session) {
  const waiting = new Set(sockets);
  const listeners = sockets.map((socket) => {
    const listener = (raw) => String(raw).includes('"app-server.turn.completed"') && waiting.delete(socket);
    socket.on("message", listener);
    return listener;
  });
  for (let probe = 0; probe < 20 && waiting.size > 0; probe += 1) {
    model.enqueue({ kind: "text", text: "ok" });
    await session.turn("probe");
    for (let wait = 0; wait < 100 && waiting.size > 0; wait += 1) await new Promise((r) => setTimeout(r, 20));
  }
  for (const [index, socket] of sockets.entries()) socket.off("message", listeners[index]);
  if (waiting.size > 0) {
    const states = [...waiting].map((socket) => socket.readyState).join(",");
    throw new Error(`${waiting.size} subscribers never saw a probe turn (ready states ${states})`);
  }
}

/** CPU ms (user + system) a process has used, from /proc; undefined where there is none. */
function cpuMsOf(pid) {
  if (process.platform !== "linux") return undefined;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const clientCpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};
/** CPU each process spent while `work` ran: codexd, the conductor, and this measuring client. */
async function withCpu(work) {
  const pids = stack.pids;
  const before = { codexd: cpuMsOf(pids.codexd), conductor: cpuMsOf(pids.conductor), client: clientCpuMs() };
  const result = await work();
  const after = { codexd: cpuMsOf(pids.codexd), conductor: cpuMsOf(pids.conductor), client: clientCpuMs() };
  const cpuMs = Object.fromEntries(
    Object.keys(before).map((k) => [k, before[k] === undefined ? null : Math.round(after[k] - before[k])])
  );
  return { ...result, cpuMs };
}

async function measureStack(path) {
  const session = await stack.openSession();
  const url = `${path.replace("http", "ws")}/events?sessionId=${session.sessionId}`;
  const sockets = await openSubscribers(url, subscribers);
  await primeSubscribers(sockets, session);
  const run = collect(sockets);
  const { cpuMs } = await withCpu(async () => {
    model.enqueue({ kind: "text", text: "x".repeat(deltas), chunks: deltas });
    const { status } = await postJson(`${stack.apiBase}/turn`, {
      sessionId: session.sessionId,
      input: "stream"
    });
    if (status !== 202) throw new Error(`turn answered ${status}`);
    await run.done;
  });
  for (const socket of sockets) socket.removeAllListeners("close").close();
  return { ...run.result(), cpuMs };
}

// The floor yields to the event loop after this many frames, as a server must to stay responsive.
const BARE_YIELD_EVERY = 50;

async function measureBare(frames) {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false });
  await new Promise((resolve) => server.once("listening", resolve));
  const sockets = await openSubscribers(`ws://127.0.0.1:${server.address().port}`, subscribers);
  const run = collect(sockets);
  const before = { floor: clientCpuMs() };
  // The same frames, each stamped when it is sent and serialized once, sent to every client.
  const bodies = frames.map((frame) => JSON.parse(frame.text));
  for (const [index, body] of bodies.entries()) {
    const text = JSON.stringify({ ...body, at: new Date().toISOString() });
    for (const client of server.clients) client.send(text);
    if ((index + 1) % BARE_YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const end = JSON.stringify({ type: "app-server.turn.completed", at: new Date().toISOString() });
  for (const client of server.clients) client.send(end);
  await run.done;
  // The floor and the client share this process: their CPU together.
  const cpuMs = { floorAndClient: Math.round(clientCpuMs() - before.floor) };
  for (const socket of sockets) socket.removeAllListeners("close").close();
  await new Promise((resolve) => server.close(resolve));
  return { ...run.result(), cpuMs };
}

const summarize = (r) => ({
  delivered: r.delivered,
  eventsPerSecond: round((r.delivered / r.windowMs) * 1000),
  // From the first delta's `at` to the last's, and from the first receipt to the last.
  producedMs: r.producedMs,
  deliveredMs: r.windowMs,
  lagP50Ms: percentile(r.lags, 50),
  lagP99Ms: percentile(r.lags, 99),
  closedEarly: r.closedEarly.length,
  cpuMs: r.cpuMs
});
// Rounds alternate the three streams, so load from elsewhere on the machine falls on each alike;
// each stream's figures are the medians over the rounds.
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const medianOf = (runs) => ({
  delivered: runs[0].delivered,
  eventsPerSecond: median(runs.map((r) => r.eventsPerSecond)),
  producedMs: median(runs.map((r) => r.producedMs)),
  deliveredMs: median(runs.map((r) => r.deliveredMs)),
  lagP50Ms: median(runs.map((r) => r.lagP50Ms)),
  lagP99Ms: median(runs.map((r) => r.lagP99Ms)),
  lagP99Runs: runs.map((r) => r.lagP99Ms),
  cpuMsRuns: runs.map((r) => r.cpuMs),
  closedEarly: runs.reduce((sum, r) => sum + r.closedEarly, 0)
});
const runs = { relay: [], codexd: [], bare: [] };
try {
  await measureStack(`${stack.conductorBase}/v1/codex`); // warm-up
  for (let round = 0; round < rounds; round += 1) {
    const relayRun = await measureStack(`${stack.conductorBase}/v1/codex`);
    runs.relay.push(summarize(relayRun));
    runs.codexd.push(summarize(await measureStack(`${stack.codexdBase}/v1/codexd`)));
    runs.bare.push(summarize(await measureBare(relayRun.frames)));
  }
} finally {
  await stack.close();
  await model.close();
  rmSync(dir, { recursive: true, force: true });
}
const relay = medianOf(runs.relay);
const direct = medianOf(runs.codexd);
const bare = medianOf(runs.bare);
const result = {
  bench: "event-fanout",
  client: values.client,
  subscribers,
  deltas,
  rounds,
  relay,
  codexd: direct,
  bare,
  ratio: {
    throughput: round(relay.eventsPerSecond / bare.eventsPerSecond),
    lagP99: round(relay.lagP99Ms / Math.max(1, bare.lagP99Ms)),
    codexdLagP99: round(direct.lagP99Ms / Math.max(1, bare.lagP99Ms))
  },
  goal: { throughput: 0.8, lagP99: 1.5, codexdLagP99: 1.5 }
};
report(result, [
  `${subscribers} subscribers (${values.client} client), a turn of ${deltas} deltas, medians of ${rounds} rounds`,
  `  conductor relay  ${relay.eventsPerSecond} events/s  lag p50 ${relay.lagP50Ms} ms  p99 ${relay.lagP99Ms} ms  (${relay.delivered} delivered, ${relay.closedEarly} closed early)`,
  `  codexd direct    ${direct.eventsPerSecond} events/s  lag p50 ${direct.lagP50Ms} ms  p99 ${direct.lagP99Ms} ms  (${direct.delivered} delivered, ${direct.closedEarly} closed early)`,
  `  bare ws floor    ${bare.eventsPerSecond} events/s  lag p50 ${bare.lagP50Ms} ms  p99 ${bare.lagP99Ms} ms  (${bare.delivered} delivered, ${bare.closedEarly} closed early)`,
  `  ratio throughput ${result.ratio.throughput} (goal ≥ 0.8), lag p99: relay ${result.ratio.lagP99}, ` +
    `codexd ${result.ratio.codexdLagP99} (goal ≤ 1.5 each)`
]);
