import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const WORKER = fileURLToPath(new URL("./claim-worker.ts", import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url));

export interface WorkerLine {
  ready?: number;
  claimed?: string;
  attempt?: number;
  runId?: string;
  finished?: string;
  ok?: boolean;
  done?: number;
}

export interface Worker {
  child: ChildProcess;
  lines: WorkerLine[];
  /** Resolves with the exit code (or signal) once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves on the first line that `match` accepts (rejects if the process exits first). */
  waitFor(match: (line: WorkerLine) => boolean): Promise<WorkerLine>;
  stderr: () => string;
}

const live = new Set<ChildProcess>();

/** Kills every worker still running (a test that failed midway must not leave them behind). */
export async function killWorkers(): Promise<void> {
  const exits = [...live].map((child) => {
    const gone = once(child, "exit");
    child.kill("SIGKILL");
    return gone;
  });
  await Promise.all(exits);
}

/** Runs `fn`, then kills whatever worker it left running, passing or failing. */
export async function withWorkers<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await killWorkers();
  }
}

export function startWorker(args: object): Worker {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(args)], {
    cwd: PACKAGE_DIR,
    stdio: ["ignore", "pipe", "pipe"]
  });
  live.add(child);
  child.once("exit", () => live.delete(child));
  const lines: WorkerLine[] = [];
  const waiters: Array<{
    match: (line: WorkerLine) => boolean;
    resolve: (line: WorkerLine) => void;
    reject: (e: Error) => void;
  }> = [];
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text) as WorkerLine;
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = once(child, "exit").then(([code, signal]) => {
    for (const waiter of waiters.splice(0))
      waiter.reject(new Error(`worker exited (${code ?? signal}) first: ${stderr}`));
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  return {
    child,
    lines,
    exited,
    stderr: () => stderr,
    waitFor(match) {
      const seen = lines.find(match);
      if (seen) return Promise.resolve(seen);
      if (child.exitCode !== null || child.signalCode !== null)
        return Promise.reject(new Error(`worker already exited: ${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ match, resolve, reject }));
    }
  };
}
