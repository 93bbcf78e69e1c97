// A deliberately tiny JSON-RPC 2.0 driver for `codex app-server` over stdio, for these tests only.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { resolveCodexBinary } from "@baa/codex-binary";

import { codexConfigArgs, writeCodexHome, type MockProviderOptions } from "../src/index.js";

export interface Notification {
  method: string;
  params: any;
}

export interface AppServer {
  request(method: string, params: unknown): Promise<any>;
  notify(method: string, params?: unknown): void;
  /** First notification, already received or still to come, that matches. */
  waitForNotification(predicate: (n: Notification) => boolean, timeoutMs?: number): Promise<Notification>;
  notifications: Notification[];
  workDir: string;
  /** Kills the child and removes its temp dirs. */
  dispose(): Promise<void>;
}

export interface StartOptions {
  provider?: MockProviderOptions;
  /** Point codex at the mock with `-c` flags (default) or with `$CODEX_HOME/config.toml`. */
  via?: "flags" | "config.toml";
  extraArgs?: string[];
}

export async function startAppServer(baseUrl: string, options: StartOptions = {}): Promise<AppServer> {
  const codexHome = await mkdtemp(join(tmpdir(), "mock-model-codex-home-"));
  const workDir = await mkdtemp(join(tmpdir(), "mock-model-work-"));
  const viaFile = options.via === "config.toml";
  if (viaFile) writeCodexHome(codexHome, baseUrl, options.provider);
  const child: ChildProcessWithoutNullStreams = spawn(
    resolveCodexBinary().executable,
    [
      "app-server",
      ...(viaFile ? [] : codexConfigArgs(baseUrl, options.provider)),
      ...(options.extraArgs ?? [])
    ],
    { env: { ...process.env, CODEX_HOME: codexHome }, stdio: "pipe" }
  );
  let stderrTail = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`app-server exited (${code ?? signal}): ${stderrTail}`))
    );
  });
  exited.catch(() => undefined);

  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>();
  const notifications: Notification[] = [];
  const watchers = new Set<{ predicate: (n: Notification) => boolean; resolve: (n: Notification) => void }>();
  let nextId = 1;
  const send = (message: object): void => void child.stdin.write(`${JSON.stringify(message)}\n`);

  createInterface({ input: child.stdout }).on("line", (line) => {
    const message = JSON.parse(line);
    if (message.id !== undefined && message.method !== undefined) {
      send({
        jsonrpc: "2.0",
        id: message.id,
        error: { code: -32601, message: "test driver handles no server requests" }
      });
    } else if (message.id !== undefined) {
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error) waiter?.reject(new Error(`${message.error.code}: ${message.error.message}`));
      else waiter?.resolve(message.result);
    } else {
      const notification = { method: message.method, params: message.params };
      notifications.push(notification);
      for (const watcher of [...watchers]) {
        if (watcher.predicate(notification)) {
          watchers.delete(watcher);
          watcher.resolve(notification);
        }
      }
    }
  });

  const withTimeout = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)),
        timeoutMs
      );
    });
    return Promise.race([promise, timeout, exited]).finally(() => clearTimeout(timer));
  };

  return {
    notifications,
    workDir,
    request: (method, params) => {
      const id = nextId++;
      const result = new Promise((resolve, reject) => pending.set(id, { resolve, reject }));
      send({ jsonrpc: "2.0", id, method, params });
      return withTimeout(result, 30_000, `${method} response`);
    },
    notify: (method, params) =>
      send(params === undefined ? { jsonrpc: "2.0", method } : { jsonrpc: "2.0", method, params }),
    waitForNotification: (predicate, timeoutMs = 30_000) => {
      const seen = notifications.find(predicate);
      if (seen !== undefined) return Promise.resolve(seen);
      return withTimeout(
        new Promise<Notification>((resolve) => watchers.add({ predicate, resolve })),
        timeoutMs,
        "notification"
      );
    },
    dispose: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await gone;
      }
      await rm(codexHome, { recursive: true, force: true });
      await rm(workDir, { recursive: true, force: true });
    }
  };
}

/** initialize → initialized → thread/start; returns the thread id. */
export async function startThread(server: AppServer, sandbox: string): Promise<string> {
  await server.request("initialize", {
    clientInfo: { name: "mock-model-test", title: "mock-model test", version: "0.0.0" },
    capabilities: null
  });
  server.notify("initialized");
  const started = await server.request("thread/start", {
    cwd: server.workDir,
    approvalPolicy: "never",
    sandbox
  });
  return started.thread.id as string;
}

/** Starts a turn with one text input and resolves with its `turn/completed` notification. */
export async function runTurn(
  server: AppServer,
  threadId: string,
  text: string,
  timeoutMs = 30_000
): Promise<Notification> {
  const started = await server.request("turn/start", {
    threadId,
    input: [{ type: "text", text, text_elements: [] }]
  });
  const turnId = started.turn.id as string;
  return server.waitForNotification(
    (n) => n.method === "turn/completed" && n.params.turn.id === turnId,
    timeoutMs
  );
}
