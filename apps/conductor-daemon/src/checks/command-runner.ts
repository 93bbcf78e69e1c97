import { spawn } from "node:child_process";
import type { ClockTimers } from "@baa/clock";

/** What one shell command did. */
export interface CommandResult {
  status: "passed" | "failed" | "timed_out";
  exitCode: number | null;
  durationMs: number;
  /** The last `tailBytes` of its output, stdout and stderr as they came. */
  outputTail: string;
}

export interface CommandOptions {
  cwd: string;
  timeoutMs: number;
  tailBytes: number;
  env: NodeJS.ProcessEnv;
  /** Aborting kills the command (a cancelled run). */
  signal?: AbortSignal;
  /** The timeout's timer and the duration's clock. */
  timers: ClockTimers;
}

/** Variables a command the repository asks to run never sees: the conductor's secrets. */
const SECRET_ENV =
  /^(BAA_SHARED_TOKEN|BAA_DATABASE_URL|BAA_GITHUB_TOKEN|BAA_GITHUB_WEBHOOK_SECRET|BAA_NOTIFY_SECRET)$/;

export function commandEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !SECRET_ENV.test(key)));
}

/**
 * Runs `sh -c command` in its own process group, keeping only the tail of its output, and
 * kills the whole group at the timeout or on abort (a test runner's children included).
 */
export function runCommand(command: string, options: CommandOptions): Promise<CommandResult> {
  const { timers } = options;
  const started = timers.now();
  return new Promise((resolve) => {
    const child = spawn("sh", ["-c", command], {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"]
    });
    let tail = Buffer.alloc(0);
    const keep = (chunk: Buffer) => {
      tail =
        tail.length + chunk.length <= options.tailBytes
          ? Buffer.concat([tail, chunk])
          : Buffer.concat([tail, chunk]).subarray(-options.tailBytes);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch (error) {
        // Already gone (ESRCH) is the point; anything else is worth knowing.
        if ((error as NodeJS.ErrnoException).code !== "ESRCH")
          keep(Buffer.from(`\n[baa: could not kill the command: ${String(error)}]\n`));
      }
    };
    const timer = timers.setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    const onAbort = () => killGroup();
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const finish = (exitCode: number | null, spawnError?: Error) => {
      timers.clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      if (spawnError !== undefined)
        keep(Buffer.from(`[baa: could not start the command: ${spawnError.message}]\n`));
      const status = timedOut ? "timed_out" : exitCode === 0 ? "passed" : "failed";
      resolve({
        status,
        exitCode,
        durationMs: Math.round(timers.now() - started),
        outputTail: decodeTail(tail)
      });
    };
    child.once("error", (error) => finish(null, error));
    child.once("close", (code) => finish(code));
  });
}

/** The tail may start inside a UTF-8 sequence: drop the broken lead bytes. */
function decodeTail(bytes: Buffer): string {
  let start = 0;
  while (start < bytes.length && start < 4 && ((bytes[start] as number) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString("utf8");
}
