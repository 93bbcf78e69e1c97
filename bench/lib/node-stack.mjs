import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import WebSocket from "ws";
import { closeClient, postJson } from "./http-client.mjs";

const root = new URL("../..", import.meta.url).pathname;

async function freePort() {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, child, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: process exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {
      // not yet listening
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${url} did not become healthy`);
}

/**
 * The product path: codexd and the conductor as their own processes (as launchd/systemd run
 * them); a client posts turns to the conductor and watches completions on its event stream.
 */
export async function startNodeStack({ codexHome, dir, direct = false }) {
  const codexdPort = await freePort();
  const conductorPort = await freePort();
  const codexdBase = `http://127.0.0.1:${codexdPort}`;
  const conductorBase = `http://127.0.0.1:${conductorPort}`;
  const env = {
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
    BAA_SHARED_TOKEN: "bench-token"
  };
  // BENCH_CPU_PROF=<dir>: both services write V8 CPU profiles there when they exit.
  const prof = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const codexd = spawn(process.execPath, [...prof, join(root, "apps/codexd/dist/main.js"), "start"], { cwd: dir, env, stdio: "ignore" });
  await waitHealthy(codexdBase, codexd);
  const conductor = spawn(process.execPath, [...prof, join(root, "apps/conductor-daemon/dist/main.js"), "start"], {
    cwd: dir,
    env,
    stdio: "ignore"
  });
  await waitHealthy(conductorBase, conductor);

  const apiBase = direct ? `${codexdBase}/v1/codexd` : `${conductorBase}/v1/codex`;
  const created = await postJson(`${apiBase}/sessions`, { purpose: "bench", cwd: dir });
  const sessionId = created.body.data.session.sessionId;

  const socket = new WebSocket(`${apiBase.replace("http", "ws")}/events?sessionId=${sessionId}`);
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const waiters = new Map();
  const completed = new Map();
  socket.on("message", (raw) => {
    const event = JSON.parse(String(raw));
    if (event.type !== "app-server.turn.completed") return;
    const waiter = waiters.get(event.turnId);
    if (waiter) waiter(event);
    else completed.set(event.turnId, event);
  });

  return {
    codexdBase,
    conductorBase,
    sessionId,
    pids: { codexd: codexd.pid, conductor: conductor.pid },
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
    },
    async close() {
      socket.close();
      closeClient();
      for (const child of [conductor, codexd]) {
        child.kill("SIGTERM");
        await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      }
    }
  };
}
