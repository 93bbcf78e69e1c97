import type { CheckResult } from "@baa/control-store";
import { runChecks } from "../checks/check-runner.js";
import { effectiveRepoConfig, type EffectiveRepoConfig } from "../checks/repo-config.js";
import { runSetup } from "../checks/setup-runner.js";
import type { RunOutcome } from "../scheduler/run-ending.js";
import type { PreparedWorkspace } from "../workspaces/workspaces.js";
import type { RunContext, RunExecutorDeps } from "./run-deps.js";

// The repository's own commands in a worktree run: its setup before the first turn, its checks
// after each turn. The caller owns the abort signal (a stop aborts them).

/** The repository's config at the worktree's base commit, merged with the task's. */
export async function readRepoConfig(
  deps: RunExecutorDeps,
  repoConfig: RunContext["task"]["repoConfig"],
  prepared: PreparedWorkspace
): Promise<EffectiveRepoConfig> {
  const workspace = prepared.workspace;
  const file =
    workspace.kind === "worktree" && workspace.baseCommit !== null
      ? await deps.checks.readConfig(workspace.path, workspace.baseCommit)
      : null;
  return effectiveRepoConfig(file, repoConfig ?? null);
}

/**
 * Setup in a fresh worktree, recorded; a failed setup ends the run (the outcome), a passed one
 * returns null. `stopped` is asked once setup has ended: a stop asked for meanwhile wins.
 */
export async function setupWorktree(
  run: RunContext,
  prepared: PreparedWorkspace,
  config: EffectiveRepoConfig,
  signal: AbortSignal,
  stopped: () => RunOutcome | null
): Promise<RunOutcome | null> {
  const { deps } = run;
  const result = await runSetup({
    setup: config.setup,
    repo: prepared.repo ?? prepared.workspace.path,
    worktree: prepared.workspace.path,
    env: deps.checks.env,
    timers: deps.timers,
    signal
  });
  await run.update({ setup: result });
  run.folder.writeJson("setup.json", result);
  run.record({ type: "run.setup.ended", data: result });
  const stop = stopped();
  if (stop !== null) return stop;
  if (result.status === "passed") {
    deps.workspaces.markSetupDone?.(run.task.taskId);
    return null;
  }
  const last = result.commands.at(-1);
  const how =
    last === undefined
      ? ""
      : last.status === "timed_out"
        ? ` (${last.run}: timed out)`
        : ` (${last.run}: exit ${last.exitCode ?? "?"})`;
  return { kind: "failed", message: `setup failed${how}: ${last?.outputTail.slice(-500).trim() ?? ""}` };
}

/** One round of checks, recorded; `all` (every round's results so far) gains this round's. */
export async function checkRound(
  run: RunContext,
  cwd: string,
  config: EffectiveRepoConfig,
  round: number,
  signal: AbortSignal,
  all: CheckResult[]
): Promise<CheckResult[]> {
  const results = await runChecks({
    cwd,
    checks: config.checks,
    round,
    env: run.deps.checks.env,
    timers: run.deps.timers,
    signal,
    onStarted: (check) => run.record({ type: "run.check.started", data: check }),
    onEnded: (result) => run.record({ type: "run.check.ended", data: result })
  });
  all.push(...results);
  await run.update({ checks: all });
  run.folder.writeJson("checks.json", all);
  return results;
}
