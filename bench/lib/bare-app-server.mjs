import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { resolveCodexBinary } from "@baa/codex-binary";

/**
 * The baseline: a bare `codex app-server` driven by the smallest JSON-RPC loop that can run a
 * turn. Whatever codexd + conductor add on top is measured against this.
 * `turn()` runs on a default thread; `openThread()` gives more threads on the same child.
 */
export async function startBareAppServer({ codexHome, cwd, env = {} }) {
  const { executable } = resolveCodexBinary();
  const spawnedAt = performance.now();
  const child = spawn(executable, ["app-server"], {
    cwd,
    env: { ...process.env, ...env, CODEX_HOME: codexHome },
    stdio: ["pipe", "pipe", "ignore"]
  });
  const pending = new Map();
  const turnWaiters = new Map();
  // A completion can arrive in the same chunk as the turn/start answer, before a waiter exists.
  const completed = new Map();
  let nextId = 1;
  createInterface({ input: child.stdout }).on("line", (line) => {
    const msg = JSON.parse(line);
    if (msg.id !== undefined && msg.method === undefined) {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) p?.reject(new Error(msg.error.message));
      else p?.resolve(msg.result);
    } else if (msg.method === "turn/completed") {
      const waiter = turnWaiters.get(msg.params.turn.id);
      if (waiter) waiter(msg.params.turn);
      else completed.set(msg.params.turn.id, msg.params.turn);
    } else if (msg.id !== undefined) {
      child.stdin.write(
        `${JSON.stringify({ jsonrpc: "2.0", id: msg.id, error: { code: -32601, message: "no" } })}\n`
      );
    }
  });
  const call = (method, params) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", id, method, params })}\n`);
    });
  await call("initialize", {
    clientInfo: { name: "bench", title: "bench", version: "0" },
    capabilities: null
  });
  child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", method: "initialized" })}\n`);
  const initializedMs = performance.now() - spawnedAt;

  const openThread = async () => {
    const { thread } = await call("thread/start", { cwd, approvalPolicy: "never" });
    return {
      threadId: thread.id,
      /** One turn in ms: `total` from the request leaving to turn/completed, `accept` to the turn/start answer. */
      async turn(text) {
        const started = performance.now();
        let finish;
        const done = new Promise((resolve) => (finish = resolve));
        const { turn } = await call("turn/start", {
          threadId: thread.id,
          input: [{ type: "text", text, text_elements: [] }]
        });
        const accept = performance.now() - started;
        if (completed.has(turn.id)) finish(completed.get(turn.id));
        else turnWaiters.set(turn.id, finish);
        const result = await done;
        turnWaiters.delete(turn.id);
        completed.delete(turn.id);
        if (result.status !== "completed") throw new Error(`baseline turn ${result.status}`);
        return { total: performance.now() - started, accept };
      }
    };
  };
  const main = await openThread();
  return {
    pid: child.pid,
    /** Spawn to the `initialize` answer, in ms. */
    initializedMs,
    turn: main.turn,
    openThread,
    close() {
      child.kill("SIGKILL");
    }
  };
}
