import { copyFileSync, cpSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { SetupResult } from "@baa/control-store";
import type { ClockTimers } from "@baa/clock";
import { runCommand } from "./command-runner.js";
import { OUTPUT_TAIL_BYTES } from "./check-runner.js";
import type { EffectiveRepoConfig } from "./repo-config.js";

export const DEFAULT_SETUP_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * Prepares a fresh worktree before its first turn: copies what the person's checkout has and
 * git does not (an ignored `.env`), then runs each setup command in order; the first failure
 * stops it. A path the checkout lacks is reported, not an error (a teammate may have none).
 */
export async function runSetup(options: {
  setup: EffectiveRepoConfig["setup"];
  /** The person's checkout, where copies come from. */
  repo: string;
  /** The task's worktree, where they go and where commands run. */
  worktree: string;
  env: NodeJS.ProcessEnv;
  timers: ClockTimers;
  signal?: AbortSignal;
}): Promise<SetupResult> {
  const copied: string[] = [];
  for (const path of options.setup.copy) {
    const from = join(options.repo, path);
    if (!existsSync(from)) continue;
    const to = join(options.worktree, path);
    mkdirSync(dirname(to), { recursive: true });
    if (statSync(from).isDirectory()) cpSync(from, to, { recursive: true });
    else copyFileSync(from, to);
    copied.push(path);
  }
  const commands: SetupResult["commands"] = [];
  for (const run of options.setup.run) {
    const outcome = await runCommand(run, {
      cwd: options.worktree,
      timeoutMs: DEFAULT_SETUP_TIMEOUT_MS,
      tailBytes: OUTPUT_TAIL_BYTES,
      env: options.env,
      timers: options.timers,
      ...(options.signal === undefined ? {} : { signal: options.signal })
    });
    commands.push({ run, ...outcome });
    if (outcome.status !== "passed") return { status: outcome.status, copied, commands };
  }
  return { status: "passed", copied, commands };
}
