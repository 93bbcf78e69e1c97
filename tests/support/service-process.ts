import { spawn, type ChildProcess } from "node:child_process";
import { eventually } from "@baa/test-support";

type Exit = { code: number | null; signal: NodeJS.Signals | null };

/** A service started as its own process by startServiceProcess. */
export interface ServiceProcess {
  base: string;
  process: ChildProcess;
  /** Everything it wrote (JSON log lines on stdout, anything on stderr). */
  output(): string;
  /** Its JSON log lines, parsed. */
  logLines(): Record<string, any>[];
  /** Resolves with the exit once the process is gone. */
  exited: Promise<Exit>;
  /** Sends `signal` (SIGTERM by default) unless it has exited; resolves with the exit. */
  kill(signal?: NodeJS.Signals): Promise<Exit>;
}

/**
 * `node <main> start ...args` as launchd/systemd runs it, its own process (so a test can SIGKILL
 * or SIGSTOP it). Resolves once `<base>/healthz` answers; throws with its output when it exits
 * first or is not healthy in time.
 */
export async function startServiceProcess(options: {
  /** Names it in errors. */
  name: string;
  main: string;
  args?: readonly string[];
  env: Record<string, string | undefined>;
  base: string;
}): Promise<ServiceProcess> {
  const { name, base } = options;
  const child = spawn(process.execPath, [options.main, "start", ...(options.args ?? [])], {
    env: options.env,
    stdio: ["ignore", "pipe", "pipe"]
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (output += String(chunk)));
  const exited = new Promise<Exit>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal }))
  );
  // Generous (eventually's 60 s): a loaded 2-core machine can take many seconds to start node and its
  // imports. A refused fetch is "not listening yet".
  const state = await eventually(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return "exited";
    return (await fetch(`${base}/healthz`)).ok ? "healthy" : null;
  }, `${name} to be healthy`).catch((error: Error) => {
    child.kill("SIGKILL");
    throw new Error(`${error.message}:\n${output}`);
  });
  if (state === "exited") throw new Error(`${name} exited before it was healthy:\n${output}`);
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
