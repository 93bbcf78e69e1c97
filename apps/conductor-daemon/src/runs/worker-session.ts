import type { RunRecord, RunWorkspace, TaskRecord } from "@baa/control-store";
import type { Logger } from "pino";
import { CodexdRefusedError, type WorkerCodexd, type WorkerSessionRequest } from "./worker-codexd.js";

export interface OpenedWorkerSession {
  sessionId: string;
  threadId: string | null;
  afterSeq: number;
  /** The turn input: the prompt in round 1, the revise comment after (with the prompt when the thread was lost). */
  input: string;
  /** The thread this round went on with, when it resumed one. */
  resumedThreadId: string | null;
}

/** The session a task's run asks for, in the workspace prepared for it. */
export function workerSessionRequest(
  task: Pick<TaskRecord, "model" | "approvalPolicy" | "sandbox">,
  cwd: string,
  workspaceKind: RunWorkspace["kind"]
): WorkerSessionRequest {
  return {
    cwd,
    ...(task.model === null ? {} : { model: task.model }),
    ...(task.approvalPolicy === null ? {} : { approvalPolicy: task.approvalPolicy }),
    // A task's own worktree or scratch directory is where it is meant to write.
    ...(task.sandbox === null
      ? workspaceKind === "shared"
        ? {}
        : { sandbox: "workspace-write" }
      : { sandbox: task.sandbox })
  };
}

/** The thread of the task's latest run that had one: where a revise round goes on. */
export function threadToResume(runs: readonly Pick<RunRecord, "attempt" | "threadId">[]): string | null {
  let latest: Pick<RunRecord, "attempt" | "threadId"> | undefined;
  for (const run of runs) {
    if (run.threadId !== null && (latest === undefined || run.attempt > latest.attempt)) latest = run;
  }
  return latest?.threadId ?? null;
}

/**
 * Opens the run's worker session. Round 1 starts a new thread with the prompt; a revise round
 * resumes the thread of the task's last run so Codex sees the whole conversation, and sends the
 * comment. When codex no longer knows that thread (its CODEX_HOME was reset), a new thread gets
 * the prompt and the comment together, and the run records why.
 */
export async function openWorkerSession(
  codexd: WorkerCodexd,
  task: Pick<TaskRecord, "prompt" | "round" | "roundInput">,
  runs: () => Promise<readonly Pick<RunRecord, "attempt" | "threadId">[]>,
  request: WorkerSessionRequest,
  log: Logger
): Promise<OpenedWorkerSession> {
  if (task.round <= 1 || task.roundInput === null) {
    return { ...(await codexd.openSession(request)), input: task.prompt, resumedThreadId: null };
  }
  const threadId = threadToResume(await runs());
  if (threadId !== null) {
    try {
      return {
        ...(await codexd.openSession({ ...request, threadId })),
        input: task.roundInput,
        resumedThreadId: threadId
      };
    } catch (error) {
      if (!(error instanceof CodexdRefusedError && error.code === "thread_not_found")) throw error;
      log.warn(
        { threadId },
        "codex no longer knows the task's thread; the revise starts a new one with the prompt"
      );
    }
  }
  const input = `${task.prompt}\n\n---\nRevision requested (round ${task.round}):\n${task.roundInput}`;
  return { ...(await codexd.openSession(request)), input, resumedThreadId: null };
}
