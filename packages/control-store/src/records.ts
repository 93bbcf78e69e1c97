/**
 * What a task is doing. Ended: succeeded, failed, cancelled, timed_out, landed, discarded.
 * `in_review` waits on a person (its branch holds work to look at); `landing` is the short
 * fenced step while its branch is being landed (one land per task at a time).
 */
export type TaskState =
  | "queued"
  | "blocked"
  | "running"
  | "needs_approval"
  | "in_review"
  | "landing"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "timed_out"
  | "landed"
  | "discarded";

export const TASK_STATES: readonly TaskState[] = [
  "queued",
  "blocked",
  "running",
  "needs_approval",
  "in_review",
  "landing",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "landed",
  "discarded"
];

export const ENDED_TASK_STATES: ReadonlySet<TaskState> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "landed",
  "discarded"
]);

/**
 * What happens to a worktree task's branch after a successful run: `required` waits
 * `in_review` for a person, `none` ends `succeeded`, `auto_land` lands at once when it can.
 */
export type ReviewPolicy = "required" | "none" | "auto_land";

export const REVIEW_POLICIES: readonly ReviewPolicy[] = ["required", "none", "auto_land"];

export type LandMethod = "merge" | "squash" | "rebase";

/** A shell command the repository asks to run before a fresh worktree's first turn (`setup.run`). */
export interface SetupConfig {
  run: string[];
  /** Paths (relative to the repository) copied from the person's checkout, e.g. an ignored `.env`. */
  copy: string[];
}

/** A check: a shell command run in the worktree after every turn; exit 0 = passed. */
export interface CheckConfig {
  name: string;
  run: string;
  timeoutMs?: number;
}

/** What a task sets of the repository config (`.baa/config.json`), key by key over the file's. */
export interface RepoConfigOverride {
  setup?: SetupConfig;
  checks?: CheckConfig[];
  maxCheckRounds?: number;
}

/** One check's run after one turn. */
export interface CheckResult {
  name: string;
  status: "passed" | "failed" | "timed_out";
  exitCode: number | null;
  durationMs: number;
  /** The last bytes of its output (stdout and stderr interleaved). */
  outputTail: string;
  /** 1 after the run's first turn, +1 after each turn that answered failing checks. */
  round: number;
}

/** What setup did in a fresh worktree. */
export interface SetupResult {
  status: "passed" | "failed" | "timed_out";
  copied: string[];
  commands: Array<{
    run: string;
    exitCode: number | null;
    durationMs: number;
    outputTail: string;
    status: "passed" | "failed" | "timed_out";
  }>;
}

/** A task's place in a land queue: lands on `target` of `repo` in the order queued. */
export interface LandQueueEntry {
  repo: string;
  target: string;
  method: LandMethod;
  queuedAt: string;
}

/** Paths this task changed that another open task on the same repository changed too. */
export interface TaskOverlap {
  taskId: string;
  paths: string[];
}

/** The last push of a task's branch to a remote (kept even when the pull request after it failed). */
export interface PushRecord {
  remote: string;
  branch: string;
  commit: string;
  pushedAt: string;
}

/** Where a task's branch went: merged locally into `target`, or pushed to `remote` (and a pull request). */
export interface LandingRecord {
  method: LandMethod;
  target: string;
  /** The target's new tip (a local land) or the pushed branch's tip. */
  commit: string;
  remote: string | null;
  pullRequest: { number: number; url: string } | null;
  landedAt: string;
}

/**
 * One attempt's state. `abandoned`: its owner lost the lease or died; `deferred`: sent back by
 * a usage limit. Neither spends an attempt.
 */
export type RunState =
  | "running"
  | "succeeded"
  | "failed"
  | "cancelled"
  | "timed_out"
  | "stalled"
  | "abandoned"
  | "deferred";

export type WorkspaceKind = "worktree" | "shared";

/**
 * Where a run works: its own git worktree (branch, base commit), the task's cwd as given
 * (`shared`), or a scratch directory of its own under the state dir when the task named no cwd.
 */
export interface RunWorkspace {
  kind: WorkspaceKind | "scratch";
  path: string;
  branch: string | null;
  baseCommit: string | null;
  /** The branch checked out in the repository when the worktree was made (null: detached HEAD). */
  baseBranch?: string | null;
}

/** A task's outside origin: the GitHub issue it was made from. */
export interface TaskSource {
  kind: "github_issue";
  /** `owner/name` as configured. */
  repo: string;
  number: number;
  /** The page. */
  url: string;
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
  /** As asked for; null means the default (`required` for a worktree task). */
  review: ReviewPolicy | null;
  /** The branch checked out in the repository when the task's first worktree run began. */
  baseBranch: string | null;
  /** 1 for the first prompt, +1 per revise; the next run carries it. */
  round: number;
  /** The turn input of this round's runs: null for the prompt, a revise's comment after. */
  roundInput: string | null;
  /** Set once landed. */
  landing: LandingRecord | null;
  /** The last push of its branch (a land with `push`), whether or not the land completed. */
  push: PushRecord | null;
  /** What the task sets over its repository's `.baa/config.json` (null: nothing). */
  repoConfig: RepoConfigOverride | null;
  /** Its place in a land queue, while queued. */
  landQueue: LandQueueEntry | null;
  /** Other open tasks on the same repository that changed some of the same paths. */
  overlaps: TaskOverlap[];
  /** Labels a node must have to claim it (null: any node). */
  runsOn: string[] | null;
  idempotencyKey: string | null;
  /** The schedule whose fire created the task, and that fire's time (null otherwise). */
  scheduleId: string | null;
  scheduledFor: string | null;
  /** The task's own notification URLs (beside the node's BAA_NOTIFY_URLS). */
  notify: string[];
  /** Where an outside intake found the task (a GitHub issue); null for one made through the API. */
  source: TaskSource | null;
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
  /** The task's round this run worked on (1 = the prompt, +1 per revise). */
  round: number;
  /** The commit this run made on its task's branch; null when it changed nothing (or no worktree). */
  commit: string | null;
  /**
   * A run claimed by a node under its own lease: until when it holds it (its owner renews it);
   * null for a run claimed under the leader lease (SQLite).
   */
  leaseExpiresAt: string | null;
  /** Every check it ran, after each of its turns, oldest first. */
  checks: CheckResult[];
  /** Setup in its fresh worktree (null: none ran). */
  setup: SetupResult | null;
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

/** A conductor node as its heartbeat last said. `state` is read against the database's clock. */
export interface NodeRecord {
  nodeId: string;
  /** Where other nodes reach its API (`http://host:port`), null when it gave none. */
  address: string | null;
  labels: string[];
  capacity: number;
  running: number;
  version: string | null;
  executes: boolean;
  draining: boolean;
  startedAt: string;
  lastSeenAt: string;
  expiresAt: string;
  state: "up" | "draining" | "down";
}

export interface SystemStateRecord {
  mode: SystemMode;
  reason: string | null;
  changedAt: string;
  /** Claiming stops until then: the account's usage limit was reached. */
  quotaPausedUntil: string | null;
  quotaReason: string | null;
}
