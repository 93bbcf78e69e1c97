import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import { closeClient, postJson } from "./http-client.mjs";

const root = new URL("../..", import.meta.url).pathname;

/** The bench's bearer token (the conductor refuses tokens shorter than 32 characters). */
export const BENCH_TOKEN = "bench-token-0123456789abcdef0123456789";

export async function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function waitHealthy(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${url}: process exited with ${child.exitCode}: ${child.stderrTail ?? ""}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${url} did not become healthy`);
}

/** The environment both services get: every port, dir and limit of one bench node. */
export function nodeEnv({ codexHome, dir, codexdBase, conductorBase, extra = {} }) {
  return {
    ...process.env,
    CODEX_HOME: codexHome,
    BAA_REPO_ROOT: dir,
    BAA_CODEXD_LOG_LEVEL: "warn",
    BAA_CONDUCTOR_LOG_LEVEL: "warn",
    BAA_CODEXD_LOCAL_API_BASE: codexdBase,
    BAA_CODEXD_STATE_DIR: join(dir, "state/codexd"),
    BAA_CODEXD_LOGS_DIR: join(dir, "logs/codexd"),
    BAA_CONDUCTOR_LOCAL_API: conductorBase,
    BAA_STATE_DIR: join(dir, "state/conductor"),
    BAA_RUNS_DIR: join(dir, "runs"),
    BAA_LOGS_DIR: join(dir, "logs/conductor"),
    BAA_SHARED_TOKEN: BENCH_TOKEN,
    ...extra
  };
}

/** Spawns one service (`codexd` or `conductor`) and resolves once its /healthz answers. */
export async function spawnService(which, { env, cwd, base }) {
  // BENCH_CPU_PROF=<dir>: the services write V8 CPU profiles there when they exit.
  const prof = process.env.BENCH_CPU_PROF
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`]
    : [];
  const main = which === "codexd" ? "apps/codexd/dist/main.js" : "apps/conductor-daemon/dist/main.js";
  const child = spawn(process.execPath, [...prof, join(root, main), "start"], {
    cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"]
  });
  // The last bit of stderr names why a service would not start.
  child.stderrTail = "";
  for (const stream of [child.stdout, child.stderr])
    stream
      .setEncoding("utf8")
      .on("data", (text) => (child.stderrTail = (child.stderrTail + text).slice(-2000)));
  await waitHealthy(base, child);
  return child;
}

export async function stopChild(child) {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
}

/**
 * The product path: codexd and the conductor as their own processes (as launchd/systemd run
 * them); a client posts turns to the conductor (or, `direct`, to codexd) and watches
 * completions on one event stream. `turn()` runs on a first session; `openSession()` adds more.
 */
export async function startNodeStack({ codexHome, dir, direct = false, env: extra = {} }) {
  const codexdBase = `http://127.0.0.1:${await freePort()}`;
  const conductorBase = `http://127.0.0.1:${await freePort()}`;
  const env = nodeEnv({ codexHome, dir, codexdBase, conductorBase, extra });
  const codexd = await spawnService("codexd", { env, cwd: dir, base: codexdBase });
  const conductor = await spawnService("conductor", { env, cwd: dir, base: conductorBase });

  const apiBase = direct ? `${codexdBase}/v1/codexd` : `${conductorBase}/v1/codex`;
  const socket = new WebSocket(`${apiBase.replace("http", "ws")}/events`);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const waiters = new Map();
  const completed = new Map();
  socket.on("message", (raw) => {
    const text = String(raw);
    // Only completions matter here; skip parsing the stream's other events.
    if (!text.includes('"app-server.turn.completed"')) return;
    const event = JSON.parse(text);
    if (event.type !== "app-server.turn.completed") return;
    const waiter = waiters.get(event.turnId);
    if (waiter) waiter(event);
    else completed.set(event.turnId, event);
  });

  const openSession = async () => {
    const created = await postJson(`${apiBase}/sessions`, { purpose: "bench", cwd: dir });
    if (created.status !== 201)
      throw new Error(`session answered ${created.status}: ${JSON.stringify(created.body)}`);
    const sessionId = created.body.data.session.sessionId;
    return {
      sessionId,
      /** One turn in ms: `total` from the POST leaving to its completion event on the stream, `accept` to the 202. */
      async turn(text) {
        const started = performance.now();
        const { status, body } = await postJson(`${apiBase}/turn`, { sessionId, input: text });
        const accept = performance.now() - started;
        if (status !== 202) throw new Error(`turn answered ${status}: ${JSON.stringify(body)}`);
        const turnId = body.data.turnId;
        const event = completed.has(turnId)
          ? completed.get(turnId)
          : await new Promise((resolve) => waiters.set(turnId, resolve));
        waiters.delete(turnId);
        completed.delete(turnId);
        if (event.data.turn.status !== "completed") throw new Error(`turn ${event.data.turn.status}`);
        return { total: performance.now() - started, accept };
      }
    };
  };
  const main = await openSession();

  return {
    codexdBase,
    conductorBase,
    apiBase,
    sessionId: main.sessionId,
    pids: { codexd: codexd.pid, conductor: conductor.pid },
    turn: main.turn,
    openSession,
    async close() {
      socket.close();
      closeClient();
      await stopChild(conductor);
      await stopChild(codexd);
    }
  };
}
