import type { CheckResult, TaskRecord } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import { runChecks } from "../checks/check-runner.js";
import { commandEnv } from "../checks/command-runner.js";
import { readRepoConfig } from "../checks/read-repo-config.js";
import { effectiveRepoConfig } from "../checks/repo-config.js";
import { runSetup } from "../checks/setup-runner.js";
import type { ClockTimers } from "@baa/clock";
import type { GitRunner } from "../workspaces/git-runner.js";
import type { TipChecks } from "./queue-step.js";

export interface TipCheckDeps {
  git: GitRunner;
  timers: ClockTimers;
  events: { record(input: EventInput): unknown };
  env?: NodeJS.ProcessEnv;
}

/**
 * The queue's checks on a land's result: the config as committed at the target's tip (the
 * branch under test does not choose its own checks) with the task's override, the setup run
 * first (a fresh worktree lacks dependencies), then every check. A failed setup is a failed check.
 */
export function tipChecks(deps: TipCheckDeps) {
  return async (input: {
    task: TaskRecord;
    repo: string;
    worktree: string;
    targetTip: string;
    signal: AbortSignal;
  }): Promise<TipChecks> => {
    const { task, worktree, signal } = input;
    const config = effectiveRepoConfig(
      await readRepoConfig(deps.git, input.repo, input.targetTip),
      task.repoConfig
    );
    const env = commandEnv(deps.env ?? process.env);
    const record = (type: string, data: Record<string, unknown>) =>
      deps.events.record({
        type,
        taskId: task.taskId,
        data: { ...data, targetTip: input.targetTip, where: "land_queue" }
      });
    if (config.setup.run.length > 0 || config.setup.copy.length > 0) {
      const setup = await runSetup({
        setup: config.setup,
        repo: input.repo,
        worktree,
        env,
        timers: deps.timers,
        signal
      });
      if (setup.status !== "passed") {
        const last = setup.commands.at(-1);
        const failed: CheckResult = {
          name: `setup: ${last?.run ?? "(copy)"}`,
          status: setup.status,
          exitCode: last?.exitCode ?? null,
          durationMs: last?.durationMs ?? 0,
          outputTail: last?.outputTail ?? "",
          round: task.round
        };
        record("task.queue_check.ended", { ...failed });
        return { failed: [failed], maxCheckRounds: config.maxCheckRounds };
      }
    }
    const results = await runChecks({
      cwd: worktree,
      checks: config.checks,
      round: task.round,
      env,
      timers: deps.timers,
      signal,
      onStarted: (check) => record("task.queue_check.started", check),
      onEnded: (result) => record("task.queue_check.ended", { ...result })
    });
    return {
      failed: results.filter((result) => result.status !== "passed"),
      maxCheckRounds: config.maxCheckRounds
    };
  };
}
