import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const CODEXD_MAIN = fileURLToPath(new URL("../../apps/codexd/dist/main.js", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface CodexdProcess {
  base: string;
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * codexd as launchd/systemd runs it: `node apps/codexd/dist/main.js start`, its own process,
 * so a test can SIGKILL it. Resolves once /healthz answers.
 */
export async function startCodexdProcess(options: {
  port: number;
  env: Record<string, string | undefined>;
  args?: string[];
}): Promise<CodexdProcess> {
  const base = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [CODEXD_MAIN, "start", "--local-api-base", base, ...(options.args ?? [])], {
    env: { ...process.env, BAA_CODEXD_LOG_LEVEL: "warn", ...options.env },
    stdio: ["ignore", "pipe", "pipe"]
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  );
  // Generous: a loaded 2-core machine can take many seconds to start node and its imports.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`codexd exited before it was healthy:\n${output}`);
    }
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`codexd did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    base,
    process: child,
    output: () => output,
    exited,
    kill: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    }
  };
}

/** True while a pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
