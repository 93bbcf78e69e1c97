import type { ClaimOptions } from "./claim-options.js";
import type { NewTask } from "./new-task.js";
export type { NewTask } from "./new-task.js";
export type { ClaimOptions } from "./claim-options.js";
import type { NodeHeartbeat } from "./node-writes.js";
import type {
  NodeRecord,
  CheckResult,
  LandQueueEntry,
  SetupResult,
  TaskOverlap,
  LandingRecord,
  PushRecord,
  LeaseRecord,
  RunRecord,
  RunState,
  RunWorkspace,
  SystemMode,
  SystemStateRecord,
  TaskRecord,
  TaskState
} from "./records.js";
import type { FireOutcome, NewSchedule, ScheduleFire, ScheduleRecord } from "./schedule-records.js";
import type { ClaimedNotification, NotificationAttempt, NotificationStats } from "./notification-records.js";
import type { CommentBegin, CommentLedgerEntry, WaitingTaskUpdate } from "./github-records.js";
export type { CommentBegin, CommentLedgerEntry, WaitingTaskUpdate } from "./github-records.js";

/** Names the run a write is about and who may write it: all three must match (fencing). */
export interface RunFence {
  runId: string;
  owner: string;
  term: number;
}

export interface HeldLease {
  scope: string;
  holder: string;
  term: number;
  expiresAt: string;
}

export interface ClaimedRun {
  task: TaskRecord;
  run: RunRecord;
}

/** What `updateRun` may change on a running run (and its task's running/needs_approval state). */
export interface RunPatch {
  sessionId?: string;
  threadId?: string;
  turnId?: string;
  workspace?: RunWorkspace;
  lastEventAt?: string;
  taskState?: "running" | "needs_approval";
  /** Recorded on the task only while it has none (the branch checked out when its first worktree run began). */
  baseBranch?: string;
  /** Every check the run ran so far (replaces the list). */
  checks?: CheckResult[];
  setup?: SetupResult;
}

/** How a run ends and what becomes of its task, in one fenced write. */
export interface RunEnding {
  runState: Exclude<RunState, "running">;
  reason?: string | null;
  finalMessage?: string | null;
  usage?: unknown;
  /** The task's next state: an ended state, `in_review`, or `queued` to run again. */
  taskState: TaskState;
  /** The commit the run made on its task's branch (null or absent: none). */
  commit?: string | null;
  /** With `queued`: not before this ISO time (retry backoff). */
  notBefore?: string | null;
  /** True when the run failed by the task's own doing (counts against maxAttempts). */
  spendAttempt: boolean;
}

export interface TaskPage {
  tasks: TaskRecord[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

export type CancelOutcome =
  /** Was queued, blocked or in_review: cancelled now. */
  | "cancelled"
  /** Is running: the flag is set, the run's owner interrupts it. */
  | "requested"
  /** Is `landing`: nothing changed; the land decides (the API answers 409). */
  | "busy"
  /** Had already ended: nothing changed (the API answers 409). */
  | "already_ended";

/** What `reviseTask` did: queued the next round, or why not. */
export type ReviseOutcome =
  | { kind: "revised"; task: TaskRecord }
  /** The state does not take a revise (running, queued, landing, …) or the task has no worktree branch. */
  | { kind: "not_revisable"; task: TaskRecord };

/** What `enqueueLand` did. */
export type EnqueueOutcome =
  | { kind: "queued"; task: TaskRecord }
  | { kind: "already_queued"; task: TaskRecord }
  | { kind: "not_queueable"; task: TaskRecord };

/** What `beginLanding` did: moved the task to `landing`, or why not. */
export type BeginLandingOutcome =
  | { kind: "begun"; task: TaskRecord; from: "in_review" | "succeeded" }
  | { kind: "wrong_state"; task: TaskRecord };

/**
 * How a land ended, for `endLanding`: `landed` (recorded with the store's time as `landedAt`),
 * or `restore` to the state it began from with the reason it did not land. `push`, when the
 * branch was pushed, is recorded either way (`pushedAt` the store's time).
 */
export type LandingResult =
  | { kind: "landed"; landing: Omit<LandingRecord, "landedAt">; push?: Omit<PushRecord, "pushedAt"> }
  | {
      kind: "restore";
      state: "in_review" | "succeeded";
      reason: string;
      push?: Omit<PushRecord, "pushedAt">;
    };

/** Why `createTask` refused. */
export class QueueFullError extends Error {
  constructor(readonly limit: number) {
    super(`the queue holds ${limit} waiting tasks (limit)`);
    this.name = "QueueFullError";
  }
}

/** A `dependsOn` id names no task; the API answers 400 naming `dependsOn`. */
export class UnknownDependencyError extends Error {
  constructor(readonly taskIds: string[]) {
    super(`dependsOn names unknown tasks: ${taskIds.join(", ")}`);
    this.name = "UnknownDependencyError";
  }
}

/** A list cursor this store did not hand out; the API answers 400 naming `cursor`. */
export class InvalidCursorError extends Error {
  constructor() {
    super("cursor is not one this store handed out");
    this.name = "InvalidCursorError";
  }
}

/** The store could not be reached or answered with an error; the API answers 503 store_unavailable. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/**
 * The conductor's durable truth: tasks, runs, the leader lease and the system mode. Two
 * implementations (SQLite, PostgreSQL) over one query layer pass one contract suite.
 *
 * Fencing: every method taking a `RunFence` changes nothing unless the run is `running` with
 * that owner and term and its lease row still names that holder and term (fencing is by term:
 * a lapsed lease nobody took yet still lets its holder finish), and returns false then; every
 * method taking `{holder, term}` changes
 * nothing unless that lease is held, unexpired, with that term. Time for leases and deadlines
 * is the database's clock.
 */
export interface ControlStore {
  readonly kind: "sqlite" | "postgres";
  /**
   * Runs every migration not applied yet (or up to version `to`); returns the versions before
   * and after. `openControlStore` runs it unless told not to.
   */
  migrate(options?: { to?: number }): Promise<{ from: number; to: number }>;
  close(): Promise<void>;
  /** The database's clock (SQLite: the process clock). */
  now(): Promise<Date>;

  /**
   * With an idempotency key, the same key returns the first task and `created: false`; the same
   * holds for an `externalKey` (unique among tasks: one task per outside item, e.g. a GitHub issue).
   * `maxQueued` is a soft limit: creates in flight at once may overshoot it by at most their number.
   */
  createTask(
    task: NewTask,
    options?: { idempotencyKey?: string; externalKey?: string; maxQueued?: number }
  ): Promise<{ task: TaskRecord; created: boolean }>;
  getTask(taskId: string): Promise<TaskRecord | undefined>;
  /** Newest first. */
  listTasks(options: { state?: TaskState; limit: number; cursor?: string }): Promise<TaskPage>;
  countTasksByState(): Promise<Record<TaskState, number>>;
  requestCancel(
    taskId: string,
    reason?: string
  ): Promise<{ task: TaskRecord; outcome: CancelOutcome } | undefined>;
  /** A failed, cancelled or timed-out task queued again with its attempts reset; undefined when unknown, null when not retryable. */
  retryTask(taskId: string): Promise<TaskRecord | null | undefined>;
  /**
   * From `in_review` or any ended state, for a task that has a worktree branch (`baseBranch`
   * set): `queued` again (not `blocked`: its dependencies were met once) for round + 1 with
   * `roundInput = comment`, attempts reset, cancel flag, reason and notBefore cleared, `endedAt`
   * null; `landing` keeps the last land until a new one replaces it. `not_revisable` from any
   * other state (queued, running, landing, …) or without a `baseBranch`; undefined when the task
   * is unknown. TypeError for an empty comment.
   */
  reviseTask(taskId: string, comment: string): Promise<ReviseOutcome | undefined>;
  /**
   * `in_review`, or `succeeded` with a `baseBranch`, → `landing` (reason and `endedAt` cleared),
   * in one locked write: of concurrent calls exactly one is `begun`. Undefined when unknown.
   */
  beginLanding(taskId: string): Promise<BeginLandingOutcome | undefined>;
  /**
   * Ends a `landing` step: `landed` (ended, `landing` recorded, reason cleared) or back to the
   * state it came from with `reason` (`succeeded` ends again: `endedAt` is now). False when the
   * task is not `landing`. TypeError for a restore to any other state.
   */
  endLanding(taskId: string, result: LandingResult): Promise<boolean>;
  /**
   * After a restart: every task in `landing` not changed since before `olderThan` (ISO) goes back
   * to `in_review` with a reason saying to land again; returns their ids (sorted).
   */
  recoverLandings(olderThan: string): Promise<string[]>;
  /** `in_review` → `discarded` (ended; the branch is kept); undefined when unknown, null when in another state. */
  discardTask(taskId: string, reason?: string): Promise<TaskRecord | null | undefined>;
  /**
   * Puts a task `in_review` (or `succeeded` with a branch) at the end of the land queue of
   * `repo` and `target`; `not_queueable` in another state, `already_queued` when it is.
   */
  enqueueLand(taskId: string, entry: Omit<LandQueueEntry, "queuedAt">): Promise<EnqueueOutcome | undefined>;
  /** Takes a task out of its land queue (landed, sent back, revised, discarded); false when it was not queued. */
  dequeueLand(taskId: string): Promise<boolean>;
  /** Every queued task, by repository and target, oldest first. */
  listLandQueue(filter?: { repo?: string; target?: string }): Promise<TaskRecord[]>;
  /** Records the paths a task shares with other open tasks on its repository. */
  setOverlaps(taskId: string, overlaps: TaskOverlap[]): Promise<void>;

  /**
   * Acquire or renew (`holder` keeps its term on renew, a takeover increments it); null when
   * another holds it unexpired. `newTerm`: a fresh process takes a new term even from its own
   * earlier self, so `abandonStaleRuns` ends the runs its previous incarnation left running.
   */
  acquireLease(options: {
    scope: string;
    holder: string;
    ttlMs: number;
    newTerm?: boolean;
  }): Promise<HeldLease | null>;
  /** Gives the lease up (no holder; the term stays, so the next holder's is higher); false when not held with that term. */
  releaseLease(options: { scope: string; holder: string; term: number }): Promise<boolean>;
  getLease(scope: string): Promise<LeaseRecord | null>;

  /**
   * Leader only: moves blocked tasks whose dependencies are all done (`succeeded` or `landed`)
   * and whose notBefore passed to queued, fails those with a failed/cancelled/timed-out/discarded
   * dependency (with the reason; `in_review` and `landing` keep them blocked), then claims up to
   * `limit` due queued tasks by priority then age, each with a new `running` run owned by
   * `holder` under `term` and carrying the task's `round`. One transaction that checks the lease.
   * Claims nothing (returns []) when that lease is not held unexpired with that term, when the
   * system mode is not `running`, or while a usage-limit pause lasts.
   */
  claimTasks(options: ClaimOptions): Promise<ClaimedRun[]>;
  /**
   * A node's heartbeat, one write whatever its number of runs: registers or refreshes its row
   * and renews the lease of each of its running runs whose lease has not lapsed.
   */
  heartbeatNode(beat: NodeHeartbeat): Promise<{ node: NodeRecord; renewed: number }>;
  /** Stops or restarts claiming on one node (its runs finish); undefined for a node never seen. */
  setNodeDraining(nodeId: string, draining: boolean): Promise<NodeRecord | undefined>;
  listNodes(): Promise<NodeRecord[]>;
  /** Leader only: node-claimed runs whose lease lapsed end `abandoned`, their tasks queued again. */
  expireRunLeases(leader: { scope: string; holder: string; term: number }): Promise<RunRecord[]>;
  /** Leader only: queued tasks whose `runsOn` no live node has say so in their reason; returns how many changed. */
  notePlacement(): Promise<number>;
  /**
   * Session/turn ids, workspace, progress time, `running` <-> `needs_approval` on the task, and
   * the task's `baseBranch` when it has none yet.
   */
  updateRun(fence: RunFence, patch: RunPatch): Promise<boolean>;
  /**
   * Ends the run (recording its `commit`) and moves its task, in one fenced write. When the task
   * would wait again (`queued`/`blocked`/`in_review`) but a cancel was requested it ends
   * `cancelled`; when a `queued`/`blocked` ending spends its last attempt it ends `failed`.
   * `in_review` is not ended (`endedAt` stays null). Throws TypeError for `taskState`
   * running/needs_approval/landing/landed/discarded (only the API's actions reach the last three).
   */
  finishRun(fence: RunFence, ending: RunEnding): Promise<boolean>;
  /**
   * Leader only, after taking the lease with `term`: every `running` run of an older term ends
   * `abandoned` and its task is queued again without spending an attempt (or `cancelled` when a
   * cancel was requested). Returns those runs so their turns can be interrupted.
   */
  abandonStaleRuns(options: { scope: string; holder: string; term: number }): Promise<RunRecord[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  listRuns(taskId: string): Promise<RunRecord[]>;
  listRunningRuns(): Promise<RunRecord[]>;

  /** GitHub intake: the task made for this external key, if any. */
  findTaskByExternalKey(key: string): Promise<TaskRecord | undefined>;
  /** Tasks not ended whose external key starts with `prefix`, oldest first. */
  listOpenExternalTasks(prefix: string): Promise<TaskRecord[]>;
  /** Title/prompt change only while the task is `queued` or `blocked`; undefined when unknown; TypeError when empty. */
  updateWaitingTask(
    taskId: string,
    patch: { title?: string; prompt?: string }
  ): Promise<WaitingTaskUpdate | undefined>;
  /** True the first time a webhook delivery id is seen; ids older than `retentionMs` are forgotten. */
  claimDelivery(deliveryId: string, options: { retentionMs: number }): Promise<boolean>;
  /** Forgets a delivery id (its handling failed: a redelivery must be acted on). */
  forgetDelivery(deliveryId: string): Promise<void>;
  /** The comment ledger: writes the intent to post (see CommentBegin). */
  beginComment(taskId: string, kind: string): Promise<CommentBegin>;
  /** Records the posted comment; false when no intent was written. */
  finishComment(taskId: string, kind: string, posted: { commentId: number; url: string }): Promise<boolean>;
  getComment(taskId: string, kind: string): Promise<CommentLedgerEntry | undefined>;
  /** Tasks with an external key, in one of `states`, with no `kind` comment recorded sent; oldest first. */
  listTasksAwaitingComment(options: {
    kind: string;
    states: readonly TaskState[];
    limit: number;
  }): Promise<TaskRecord[]>;

  getSystemState(): Promise<SystemStateRecord>;
  setSystemMode(mode: SystemMode, reason?: string | null): Promise<SystemStateRecord>;
  /** Stop claiming until `until` (null clears it). */
  setQuotaPause(until: string | null, reason?: string | null): Promise<SystemStateRecord>;

  /** TypeError naming the field for a bad schedule (the API parses the cron first). */
  createSchedule(schedule: NewSchedule): Promise<ScheduleRecord>;
  /** Oldest first. */
  listSchedules(): Promise<ScheduleRecord[]>;
  getSchedule(scheduleId: string): Promise<ScheduleRecord | undefined>;
  /** False when unknown; the tasks it created stay. */
  deleteSchedule(scheduleId: string): Promise<boolean>;
  /** Pause (next fire null) or resume from `nextFireAt`; undefined when unknown. */
  setSchedulePaused(
    scheduleId: string,
    paused: boolean,
    nextFireAt: string | null
  ): Promise<ScheduleRecord | undefined>;
  /** Unpaused schedules due at the database's `now` (returned with them), soonest first. */
  dueSchedules(limit: number): Promise<{ now: string; due: ScheduleRecord[] }>;
  /** The earliest next fire of an unpaused schedule, or null. */
  nextScheduledFire(): Promise<string | null>;
  /**
   * Leader only: creates the fire's task (once per schedule and fire time, across nodes) and moves
   * the schedule on, in one transaction that checks the lease; `stale` changes nothing.
   */
  fireSchedule(fire: ScheduleFire): Promise<FireOutcome>;

  /** Outbox events (one per change into a notified task state) into one delivery per URL; returns deliveries made. */
  prepareNotifications(options: {
    urls: readonly string[];
    retryForMs: number;
    limit: number;
  }): Promise<number>;
  /** Due deliveries, each leased to this caller for one attempt. */
  claimNotifications(options: { leaseMs: number; limit: number }): Promise<ClaimedNotification[]>;
  /** Ends a claimed attempt; false when the claim is no longer this one's. */
  settleNotification(
    claim: { deliveryId: string; leaseToken: string },
    attempt: NotificationAttempt
  ): Promise<boolean>;
  notificationStats(): Promise<NotificationStats>;
  /** Deletes deliveries that ended before `olderThan` (ISO). */
  purgeNotifications(olderThan: string): Promise<number>;
}
