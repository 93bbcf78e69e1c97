import type { CheckResult } from "@baa/control-store";
import type { ClockTimers } from "@baa/clock";
import { runCommand } from "./command-runner.js";
import type { EffectiveRepoConfig } from "./repo-config.js";

/** A check with no timeoutMs of its own gets this long. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10 * 60 * 1000;
/** Bytes of a command's output kept (its tail). */
export const OUTPUT_TAIL_BYTES = 16 * 1024;

export interface CheckRunOptions {
  cwd: string;
  checks: EffectiveRepoConfig["checks"];
  round: number;
  env: NodeJS.ProcessEnv;
  timers: ClockTimers;
  signal?: AbortSignal;
  onStarted?: (check: { name: string; round: number }) => void;
  onEnded?: (result: CheckResult) => void;
}

/** Runs every check once, in order (one may depend on another's output, e.g. a build); all of them run even after a failure. */
export async function runChecks(options: CheckRunOptions): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const check of options.checks) {
    if (options.signal?.aborted) break;
    options.onStarted?.({ name: check.name, round: options.round });
    const outcome = await runCommand(check.run, {
      cwd: options.cwd,
      timeoutMs: check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS,
      tailBytes: OUTPUT_TAIL_BYTES,
      env: options.env,
      timers: options.timers,
      ...(options.signal === undefined ? {} : { signal: options.signal })
    });
    const result: CheckResult = { name: check.name, ...outcome, round: options.round };
    results.push(result);
    options.onEnded?.(result);
  }
  return results;
}

/** Bytes of each failing check's output the next turn is given. */
const FEEDBACK_TAIL_BYTES = 4 * 1024;

/** The turn input that answers failing checks: which failed, how, and the end of their output. */
export function checkFeedback(failed: readonly CheckResult[], round: number, maxRounds: number): string {
  const parts = failed.map((check) => {
    const how =
      check.status === "timed_out"
        ? `timed out after ${check.durationMs} ms`
        : `exited ${check.exitCode ?? "without a code"}`;
    const tail = Buffer.from(check.outputTail, "utf8");
    const shown =
      tail.length > FEEDBACK_TAIL_BYTES
        ? `…${tail.subarray(-FEEDBACK_TAIL_BYTES).toString("utf8")}`
        : check.outputTail;
    return `### ${check.name} (${how})\n\`\`\`\n${shown.trimEnd()}\n\`\`\``;
  });
  return [
    `The repository's checks failed after your last turn (check round ${round} of ${maxRounds}). Fix the code so they pass; do not change the checks.`,
    ...parts
  ].join("\n\n");
}
