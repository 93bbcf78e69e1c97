import assert from "node:assert/strict";
import { Agent, request as httpRequest } from "node:http";
import test from "node:test";
import { openEventSocket, type EventSocket } from "../support/event-socket.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { startRealStack } from "../support/real-stack.js";
import { envInt, percentiles, reportFigures } from "./support/reliability-env.js";

const CLIENTS = 200;
const SUBSCRIBERS = 100;
const PATHS = ["/v1/codex/sessions", "/v1/codex", "/healthz", "/v1/tasks?limit=20", "/v1/system/state", "/v1/codex/events?after=0&limit=20"];

function get(agent: Agent, base: URL, path: string): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers["retry-after"] as string | undefined, body }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer within 30 s to ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

test("load on the conductor: 200 concurrent HTTP clients and 100 WebSocket subscribers while turns stream: no errors but documented 429/503, memory bounded, latency percentiles printed", async () => {
  const durationMs = envInt("BAA_RELIABILITY_LOAD_MS", 4_000);
  const stack = await startRealStack({ autoStartLoops: true });
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const sockets: EventSocket[] = [];
  try {
    const base = new URL(stack.conductorBase);
    const sessionId = (await postJson(`${stack.conductorBase}/v1/codex/sessions`, { purpose: "load" })).body.data.session.sessionId;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      sockets.push(await openEventSocket(`${stack.conductorBase.replace(/^http/, "ws")}/v1/codex/events?sessionId=${sessionId}`));
    }
    let closedEarly = 0;
    for (const s of sockets) void s.closed.then(() => closedEarly++);
    const rssBefore = process.memoryUsage().rss;
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const problems: string[] = [];
    const deadline = Date.now() + durationMs;
    let turns = 0;
    const turnDriver = (async () => {
      // Turns stream deltas to the 100 subscribers the whole time.
      while (Date.now() < deadline) {
        stack.model.enqueue({ kind: "text", text: `load turn ${turns} `.repeat(40), chunks: 40 });
        const t = await postJson(`${stack.conductorBase}/v1/codex/turn`, { sessionId, input: `load ${turns}` });
        if (t.status !== 202) {
          problems.push(`turn ${turns}: ${t.status} ${t.text.slice(0, 200)}`);
          break;
        }
        const turnId = t.body.data.turnId;
        turns++;
        await eventually(async () => {
          const s = (await getJson(`${stack.conductorBase}/v1/codex/sessions/${sessionId}`)).body.data.session;
          return s.lastTurnId === turnId && s.activeTurn === null ? s : null;
        }, `load turn ${turns} ends`, 30_000);
      }
    })();
    const client = async (index: number) => {
      let n = index;
      while (Date.now() < deadline) {
        const path = PATHS[n++ % PATHS.length]!;
        const started = performance.now();
        try {
          const answer = await get(agent, base, path);
          latencies.push(performance.now() - started);
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          const documented = (answer.status === 429 || answer.status === 503) && answer.retryAfter !== undefined;
          if (answer.status >= 300 && !documented) problems.push(`${path}: ${answer.status} ${answer.body.slice(0, 200)}`);
        } catch (error) {
          problems.push(`${path}: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all([...Array.from({ length: CLIENTS }, (_, i) => client(i)), turnDriver]);
    const rssAfter = process.memoryUsage().rss;

    // Every subscriber got every event of the last turn, in order, and is still connected.
    const lastTurn = (await getJson(`${stack.conductorBase}/v1/codex/sessions/${sessionId}`)).body.data.session.lastTurnId;
    await Promise.all(sockets.map((s) => s.waitFor((e) => e.turnId === lastTurn && e.type === "app-server.turn.completed", "the last turn's end on every subscriber", 30_000)));
    const counts = sockets.map((s) => s.events.length);
    const ordered = sockets.every((s) => s.events.every((e, i) => i === 0 || e.seq > s.events[i - 1].seq));
    const stillOpen = SUBSCRIBERS - closedEarly;
    const latency = percentiles(latencies);
    reportFigures("conductor-load", {
      clients: CLIENTS,
      subscribers: SUBSCRIBERS,
      durationMs,
      requests: latencies.length,
      requestsPerSecond: Math.round(latencies.length / (durationMs / 1000)),
      statuses,
      latencyMs: latency,
      turns,
      eventsPerSubscriber: { min: Math.min(...counts), max: Math.max(...counts) },
      rssMb: { before: Math.round(rssBefore / 1048576), after: Math.round(rssAfter / 1048576) },
      problems: problems.length
    });
    assert.deepEqual(problems.slice(0, 10), [], `${problems.length} requests failed`);
    assert.ok(ordered, "every subscriber saw increasing seqs");
    assert.equal(stillOpen, SUBSCRIBERS);
    assert.ok(Math.min(...counts) === Math.max(...counts), `every subscriber got the same events (${Math.min(...counts)}..${Math.max(...counts)})`);
    // Bounded: the whole test process (conductor, codexd, model, 300 clients) grows by less than 512 MiB.
    assert.ok(rssAfter - rssBefore < 512 * 1024 * 1024, `rss grew ${Math.round((rssAfter - rssBefore) / 1048576)} MiB`);
    assert.ok(turns >= 1);
  } finally {
    for (const s of sockets) s.close();
    agent.destroy();
    await stack.stop();
  }
});
