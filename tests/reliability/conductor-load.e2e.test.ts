import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import test from "node:test";
import { startMockModel, writeCodexHome, type MockModel } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { freePort, startCodexdProcess } from "../support/codexd-process.js";
import { startConductorProcess } from "../support/conductor-process.js";
import { openEventSocket, type EventSocket } from "../support/event-socket.js";
import { eventually, getJson, postJson } from "../support/http.js";
import { E2E_TOKEN } from "../support/real-stack.js";
import { envInt, percentiles, reportFigures } from "./support/reliability-env.js";

/** A process's resident memory in MiB (Linux /proc), or null elsewhere. */
function rssMb(pid: number | undefined): number | null {
  if (pid === undefined || process.platform !== "linux") return null;
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return match === null ? null : Math.round(Number(match[1]) / 1024);
}

const CLIENTS = 200;
const SUBSCRIBERS = 100;
const PATHS = [
  "/v1/codex/sessions",
  "/v1/codex",
  "/healthz",
  "/v1/tasks?limit=20",
  "/v1/system/state",
  "/v1/codex/events?after=0&limit=20"
];

function get(
  agent: Agent,
  base: URL,
  path: string
): Promise<{ status: number; retryAfter: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: base.hostname, port: base.port, path, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => (body += chunk));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers["retry-after"] as string | undefined,
          body
        })
      );
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`no answer within 30 s to ${path}`)));
    req.on("error", reject);
    req.end();
  });
}

/** codexd and the conductor, each in its own process: the 300 clients here do not share their event loop. */
async function startServices(dir: ReturnType<typeof makeTempDir>) {
  const codexdPort = await freePort();
  const codexd = await startCodexdProcess({
    port: codexdPort,
    env: { CODEX_HOME: dir.path("codex-home"), BAA_REPO_ROOT: dir.root }
  });
  const conductor = await startConductorProcess({
    port: await freePort(),
    env: {
      BAA_CONDUCTOR_LOG_LEVEL: "warn",
      BAA_CODEXD_LOCAL_API_BASE: codexd.base,
      BAA_REPO_ROOT: dir.root,
      BAA_STATE_DIR: dir.path("conductor-state"),
      BAA_RUNS_DIR: dir.path("runs"),
      BAA_LOGS_DIR: dir.path("conductor-logs"),
      BAA_SHARED_TOKEN: E2E_TOKEN,
      // What is checked is the answers, not their speed: a loaded CI machine must not turn
      // slow answers into 504s (GET /v1/codex and /readyz wait only the connect timeout).
      BAA_CONDUCTOR_PROXY_TIMEOUT_MS: "60000",
      BAA_CODEXD_CONNECT_TIMEOUT_MS: "30000"
    }
  }).catch(async (error) => {
    await codexd.kill("SIGTERM");
    throw error;
  });
  return { codexd, conductor };
}

/** Turns one after another until the deadline, each streaming deltas to the subscribers; returns how many. */
async function driveTurns(
  conductorBase: string,
  model: MockModel,
  sessionId: string,
  deadline: number,
  problems: string[]
): Promise<number> {
  let turns = 0;
  // Turns stream deltas to the 100 subscribers the whole time.
  while (Date.now() < deadline) {
    model.enqueue({ kind: "text", text: `load turn ${turns} `.repeat(40), chunks: 40 });
    const t = await postJson(`${conductorBase}/v1/codex/turn`, { sessionId, input: `load ${turns}` });
    if (t.status !== 202) {
      problems.push(`turn ${turns}: ${t.status} ${t.text.slice(0, 200)}`);
      break;
    }
    const turnId = t.body.data.turnId;
    turns++;
    await eventually(
      async () => {
        const s = (await getJson(`${conductorBase}/v1/codex/sessions/${sessionId}`)).body.data.session;
        return s.lastTurnId === turnId && s.activeTurn === null ? s : null;
      },
      `load turn ${turns} ends`,
      30_000
    );
  }
  return turns;
}

/** One HTTP client: the routes in turn until the deadline; an answer of 300 or more is a problem unless a 429/503 with Retry-After. */
async function pollRoutes(
  agent: Agent,
  base: URL,
  index: number,
  deadline: number,
  seen: { latencies: number[]; statuses: Record<string, number>; problems: string[] }
): Promise<void> {
  const { latencies, statuses, problems } = seen;
  let n = index;
  while (Date.now() < deadline) {
    const path = PATHS[n++ % PATHS.length]!;
    const started = performance.now();
    try {
      const answer = await get(agent, base, path);
      latencies.push(performance.now() - started);
      statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
      const documented = (answer.status === 429 || answer.status === 503) && answer.retryAfter !== undefined;
      if (answer.status >= 300 && !documented)
        problems.push(`${path}: ${answer.status} ${answer.body.slice(0, 200)}`);
    } catch (error) {
      problems.push(`${path}: ${(error as Error).message}`);
    }
  }
}

test("load on the conductor: 200 concurrent HTTP clients and 100 WebSocket subscribers while turns stream: no errors but documented 429/503, memory bounded, latency percentiles printed", async () => {
  const durationMs = envInt("BAA_RELIABILITY_LOAD_MS", 4_000);
  const dir = makeTempDir("baa-rel-load-");
  const model = await startMockModel();
  writeCodexHome(dir.path("codex-home"), model.baseUrl);
  const { codexd, conductor } = await startServices(dir);
  const stack = { conductorBase: conductor.base, model };
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  const sockets: EventSocket[] = [];
  try {
    const base = new URL(stack.conductorBase);
    const sessionId = (await postJson(`${stack.conductorBase}/v1/codex/sessions`, { purpose: "load" })).body
      .data.session.sessionId;
    for (let i = 0; i < SUBSCRIBERS; i++) {
      sockets.push(
        await openEventSocket(
          `${stack.conductorBase.replace(/^http/, "ws")}/v1/codex/events?sessionId=${sessionId}`
        )
      );
    }
    let closedEarly = 0;
    for (const s of sockets) void s.closed.then(() => closedEarly++);
    const rssBefore = rssMb(conductor.process.pid);
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const problems: string[] = [];
    const deadline = Date.now() + durationMs;
    const turnDriver = driveTurns(stack.conductorBase, stack.model, sessionId, deadline, problems);
    const seen = { latencies, statuses, problems };
    const client = (index: number) => pollRoutes(agent, base, index, deadline, seen);
    const [turns] = await Promise.all([
      turnDriver,
      Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)))
    ]);
    const rssAfter = rssMb(conductor.process.pid);

    await phaseAfterTheLoad({
      conductorBase: stack.conductorBase,
      sessionId,
      sockets,
      closedEarly: () => closedEarly,
      durationMs,
      seen,
      turns,
      rss: { before: rssBefore, after: rssAfter }
    });
  } finally {
    for (const s of sockets) s.close();
    agent.destroy();
    await conductor.kill("SIGTERM");
    await codexd.kill("SIGTERM");
    await model.close();
    dir.remove();
  }
});

interface LoadRun {
  conductorBase: string;
  sessionId: string;
  sockets: EventSocket[];
  /** How many subscribers' sockets closed before the end. */
  closedEarly: () => number;
  durationMs: number;
  seen: { latencies: number[]; statuses: Record<string, number>; problems: string[] };
  turns: number;
  rss: { before: number | null; after: number | null };
}

/** After the load: every subscriber complete, in order and connected; figures reported; the bounds held. */
async function phaseAfterTheLoad(run: LoadRun): Promise<void> {
  const { conductorBase, sessionId, sockets, durationMs, turns } = run;
  const { latencies, statuses, problems } = run.seen;
  const { before: rssBefore, after: rssAfter } = run.rss;
  const closedEarly = run.closedEarly;
  // Every subscriber got every event of the last turn, in order, and is still connected.
  const lastTurn = (await getJson(`${conductorBase}/v1/codex/sessions/${sessionId}`)).body.data.session
    .lastTurnId;
  await Promise.all(
    sockets.map((s) =>
      s.waitFor(
        (e) => e.turnId === lastTurn && e.type === "app-server.turn.completed",
        "the last turn's end on every subscriber",
        30_000
      )
    )
  );
  const counts = sockets.map((s) => s.events.length);
  const ordered = sockets.every((s) => s.events.every((e, i) => i === 0 || e.seq > s.events[i - 1].seq));
  const stillOpen = SUBSCRIBERS - closedEarly();
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
    conductorRssMb: { before: rssBefore, after: rssAfter },
    problems: problems.length
  });
  assert.deepEqual(problems.slice(0, 10), [], `${problems.length} requests failed`);
  assert.ok(ordered, "every subscriber saw increasing seqs");
  assert.equal(stillOpen, SUBSCRIBERS);
  assert.ok(
    Math.min(...counts) === Math.max(...counts),
    `every subscriber got the same events (${Math.min(...counts)}..${Math.max(...counts)})`
  );
  // Bounded: the conductor process grows by less than 256 MiB under the load (Linux).
  if (rssBefore !== null && rssAfter !== null)
    assert.ok(rssAfter - rssBefore < 256, `conductor rss grew ${rssAfter - rssBefore} MiB`);
  assert.ok(turns >= 1);
}
