import type { Logger } from "pino";
import { RepoConfigError, type EffectiveRepoConfig } from "../checks/repo-config.js";
import type { RunOutcome } from "../scheduler/run-ending.js";
import { WorkspaceError, type PreparedWorkspace } from "../workspaces/workspaces.js";
import { readRepoConfig } from "./run-commands.js";
import type { RunContext } from "./run-deps.js";
import { CodexdDownError, CodexdRefusedError } from "./worker-codexd.js";
import { openWorkerSession, workerSessionRequest, type OpenedWorkerSession } from "./worker-session.js";

// The start of a run, before its first turn: the workspace recorded, the worker session opened.

/** Records the workspace prepared for the run and reads the repository's config in it. */
export async function enterWorkspace(
  run: RunContext,
  prepared: PreparedWorkspace
): Promise<EffectiveRepoConfig> {
  const baseBranch = prepared.workspace.baseBranch ?? null;
  await run.update({ workspace: prepared.workspace, ...(baseBranch === null ? {} : { baseBranch }) });
  run.record({ type: "run.workspace", data: prepared.workspace });
  return readRepoConfig(run.deps, run.task.repoConfig, prepared);
}

/** Opens the run's worker session (resuming the task's thread in a revise round) and records it. */
export async function openRunSession(
  run: RunContext,
  prepared: PreparedWorkspace
): Promise<OpenedWorkerSession> {
  const { deps, task } = run;
  const request = workerSessionRequest(task, prepared.cwd, prepared.workspace.kind);
  const session = await openWorkerSession(
    deps.codexd,
    task,
    () => deps.store.listRuns(task.taskId),
    request,
    run.log
  );
  if (session.resumedThreadId !== null) {
    run.record({
      type: "run.thread_resumed",
      data: { threadId: session.resumedThreadId, round: task.round }
    });
  }
  return session;
}

/** How a run ends whose start threw: failed, or unavailable while codexd is down; anything else is rethrown. */
export function startFailure(error: unknown, log: Logger): RunOutcome {
  if (
    error instanceof WorkspaceError ||
    error instanceof CodexdRefusedError ||
    error instanceof RepoConfigError
  ) {
    log.warn({ err: error }, "run could not start");
    return { kind: "failed", message: error.message };
  }
  if (error instanceof CodexdDownError) {
    log.warn({ err: error }, "codexd unavailable for the run");
    return { kind: "unavailable", reason: error.message };
  }
  throw error;
}
