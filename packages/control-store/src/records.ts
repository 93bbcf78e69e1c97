/** What a task is doing. Ended: succeeded, failed, cancelled, timed_out. */
export type TaskState =
  | "queued"
  | "blocked"
  | "running"
  | "needs_approval"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "timed_out";

export const TASK_STATES: readonly TaskState[] = [
  "queued",
  "blocked",
  "running",
  "needs_approval",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out"
];

export const ENDED_TASK_STATES: ReadonlySet<TaskState> = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

/**
 * One attempt's state. `abandoned`: its owner lost the lease or died; `deferred`: sent back by
 * a usage limit. Neither spends an attempt.
 */
export type RunState = "running" | "succeeded" | "failed" | "cancelled" | "timed_out" | "stalled" | "abandoned" | "deferred";

export type WorkspaceKind = "worktree" | "shared";

/** Where a run works: its own git worktree (branch, base commit) or the task's cwd as given. */
export interface RunWorkspace {
  kind: WorkspaceKind;
  path: string;
  branch: string | null;
  baseCommit: string | null;
}

export interface TaskRecord {
  taskId: string;
  title: string;
  prompt: string;
  cwd: string | null;
  model: string | null;
  /** Higher runs first; ties by age. */
  priority: number;
  maxAttempts: number;
  timeoutMs: number | null;
  stallTimeoutMs: number | null;
  dependsOn: string[];
  /** ISO time before which the task is not claimed (also the retry backoff). */
  notBefore: string | null;
  approvalPolicy: string | null;
  sandbox: string | null;
  workspace: WorkspaceKind | null;
  idempotencyKey: string | null;
  state: TaskState;
  /** Why it is in this state (a failed dependency, the last error, a cancel). */
  stateReason: string | null;
  /** Runs that failed by the task's own doing; compared with maxAttempts. */
  attemptsSpent: number;
  /** Runs started so far; the next run's `attempt` is runCount + 1. */
  runCount: number;
  cancelRequested: boolean;
  lastRunId: string | null;
  createdAt: string;
  updatedAt: string;
  endedAt: string | null;
}

export interface RunRecord {
  runId: string;
  taskId: string;
  /** 1 for the first run of a task; only grows. */
  attempt: number;
  /** The node id that claimed it. */
  owner: string;
  /** The lease term under which it was claimed. */
  term: number;
  state: RunState;
  reason: string | null;
  sessionId: string | null;
  threadId: string | null;
  turnId: string | null;
  workspace: RunWorkspace | null;
  finalMessage: string | null;
  /** Token usage as Codex reported it (JSON). */
  usage: unknown;
  startedAt: string;
  lastEventAt: string | null;
  endedAt: string | null;
}

export interface LeaseRecord {
  scope: string;
  holder: string | null;
  term: number;
  expiresAt: string | null;
}

export type SystemMode = "running" | "paused" | "draining";

export interface SystemStateRecord {
  mode: SystemMode;
  reason: string | null;
  changedAt: string;
  /** Claiming stops until then: the account's usage limit was reached. */
  quotaPausedUntil: string | null;
  quotaReason: string | null;
}
