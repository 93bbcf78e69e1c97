import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const CONDUCTOR_MAIN = fileURLToPath(new URL("../../apps/conductor-daemon/dist/main.js", import.meta.url));

export interface ConductorProcess {
  base: string;
  process: ChildProcess;
  /** Everything it wrote (JSON log lines on stdout, anything on stderr). */
  output(): string;
  /** Its log lines, parsed. */
  logLines(): Record<string, any>[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * The conductor as launchd/systemd runs it: `node apps/conductor-daemon/dist/main.js start`,
 * its own process (so a test can SIGKILL or SIGSTOP it), configured by environment only.
 * Resolves once /healthz answers.
 */
export async function startConductorProcess(options: { port: number; env: Record<string, string | undefined> }): Promise<ConductorProcess> {
  const base = `http://127.0.0.1:${options.port}`;
  const child = spawn(process.execPath, [CONDUCTOR_MAIN, "start"], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, BAA_CONDUCTOR_LOCAL_API: base, BAA_CONDUCTOR_LOG_LEVEL: "info", ...options.env },
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
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`conductor exited before it was healthy:\n${output}`);
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`conductor did not become healthy:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    base,
    process: child,
    output: () => output,
    logLines: () =>
      output
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, any>];
          } catch {
            return [];
          }
        }),
    exited,
    kill: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) {
        // A stopped process only acts on SIGKILL; wake it so SIGTERM is handled too.
        if (signal !== "SIGKILL") child.kill("SIGCONT");
        child.kill(signal);
      }
      return exited;
    }
  };
}
