import { Migrator, sql } from "kysely";
import { dequeueLand, enqueueLand, listLandQueue, setOverlaps } from "./land-queue-writes.js";
import type { EnqueueOutcome } from "./control-store.js";
import type { LandQueueEntry, TaskOverlap } from "./records.js";
import { acquireLease, getLease, releaseLease } from "./lease.js";
import { claimTasks, type ClaimOptions } from "./claims.js";
import { heartbeatNode, listNodes, setNodeDraining, type NodeHeartbeat } from "./node-writes.js";
import { expireRunLeases, notePlacement } from "./run-lease-sweep.js";
import type { NodeRecord } from "./records.js";
import type {
  BeginLandingOutcome,
  CancelOutcome,
  ClaimedRun,
  ControlStore,
  HeldLease,
  LandingResult,
  NewTask,
  ReviseOutcome,
  RunEnding,
  RunFence,
  RunPatch,
  TaskPage
} from "./control-store.js";
import { StoreUnavailableError } from "./control-store.js";
import { beginLanding, endLanding, recoverLandings } from "./landing-writes.js";
import { LATEST_VERSION, migrationProvider, migrationsFor } from "./migrations.js";
import type {
  LeaseRecord,
  RunRecord,
  SystemMode,
  SystemStateRecord,
  TaskRecord,
  TaskState
} from "./records.js";
import { toRunRecord } from "./row-mapping.js";
import { abandonStaleRuns, finishRun, updateRun } from "./run-writes.js";
import type { StoreContext } from "./store-context.js";
import { toStoreError } from "./store-errors.js";
import { getSystemState, setQuotaPause, setSystemMode } from "./system-state.js";
import { countTasksByState, getTask, listTasks } from "./task-reads.js";
import { discardTask, reviseTask } from "./review-writes.js";
import { createTask, requestCancel, retryTask } from "./task-writes.js";
import type { FireOutcome, NewSchedule, ScheduleFire, ScheduleRecord } from "./schedule-records.js";
import {
  createSchedule,
  deleteSchedule,
  dueSchedules,
  fireSchedule,
  getSchedule,
  listSchedules,
  nextScheduledFire,
  setSchedulePaused
} from "./schedule-writes.js";
import type { ClaimedNotification, NotificationAttempt, NotificationStats } from "./notification-records.js";
import {
  claimNotifications,
  notificationStats,
  prepareNotifications,
  purgeNotifications,
  settleNotification
} from "./notification-writes.js";
import type { CommentBegin, CommentLedgerEntry, WaitingTaskUpdate } from "./github-records.js";
import {
  beginComment,
  claimDelivery,
  findTaskByExternalKey,
  finishComment,
  forgetDelivery,
  getComment,
  listOpenExternalTasks,
  listTasksAwaitingComment,
  updateWaitingTask
} from "./github-writes.js";

/** The one implementation: the same queries over either engine's `StoreContext`. */
export class KyselyControlStore implements ControlStore {
  #closed = false;

  constructor(
    private readonly ctx: StoreContext,
    private readonly closeEngine: () => Promise<void>,
    /** PostgreSQL: the schema created before the first migration. */
    private readonly pgSchema: string | null
  ) {}

  get kind() {
    return this.ctx.kind;
  }

  async #guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new StoreUnavailableError(`${operation}: the control store is closed`);
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  migrate(options: { to?: number } = {}): Promise<{ from: number; to: number }> {
    return this.#guard("migrate", async () => {
      const target = options.to ?? LATEST_VERSION;
      const names = migrationsFor(this.ctx.kind).map(([name]) => name);
      const targetName = names[target - 1];
      if (!targetName) throw new TypeError(`no migration version ${target} (latest is ${LATEST_VERSION})`);
      if (this.pgSchema !== null) await this.#createSchema(this.pgSchema);
      const migrator = new Migrator({
        db: this.ctx.db,
        provider: migrationProvider(this.ctx.kind),
        // Without it kysely looks for its bookkeeping table in every schema and may find another's.
        ...(this.pgSchema !== null ? { migrationTableSchema: this.pgSchema } : {})
      });
      const applied = async () =>
        (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).length;
      const from = await applied();
      if (from < target) {
        const { error } = await migrator.migrateTo(targetName);
        if (error) throw error;
      }
      await this.ctx.write(async (trx, now) => {
        await trx
          .insertInto("system_state")
          .values({ id: 1, mode: "running", reason: null, changed_at: now })
          .onConflict((oc) => oc.column("id").doNothing())
          .execute();
      });
      return { from, to: await applied() };
    });
  }

  async #createSchema(schema: string): Promise<void> {
    try {
      await sql`create schema if not exists ${sql.id(schema)}`.execute(this.ctx.db);
    } catch (error) {
      // Two nodes starting at once race on the catalog; the loser's schema exists all the same.
      const code = (error as { code?: unknown }).code;
      if (code !== "23505" && code !== "42P06") throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.closeEngine();
  }

  now(): Promise<Date> {
    return this.#guard("now", async () => new Date(await this.ctx.now()));
  }

  createTask(
    task: NewTask,
    options?: { idempotencyKey?: string; externalKey?: string; maxQueued?: number }
  ): Promise<{ task: TaskRecord; created: boolean }> {
    return this.#guard("createTask", () => createTask(this.ctx, task, options));
  }
  getTask(taskId: string): Promise<TaskRecord | undefined> {
    return this.#guard("getTask", () => getTask(this.ctx, taskId));
  }
  listTasks(options: { state?: TaskState; limit: number; cursor?: string }): Promise<TaskPage> {
    return this.#guard("listTasks", () => listTasks(this.ctx, options));
  }
  countTasksByState(): Promise<Record<TaskState, number>> {
    return this.#guard("countTasksByState", () => countTasksByState(this.ctx));
  }
  requestCancel(
    taskId: string,
    reason?: string
  ): Promise<{ task: TaskRecord; outcome: CancelOutcome } | undefined> {
    return this.#guard("requestCancel", () => requestCancel(this.ctx, taskId, reason));
  }
  retryTask(taskId: string): Promise<TaskRecord | null | undefined> {
    return this.#guard("retryTask", () => retryTask(this.ctx, taskId));
  }
  reviseTask(taskId: string, comment: string): Promise<ReviseOutcome | undefined> {
    return this.#guard("reviseTask", () => reviseTask(this.ctx, taskId, comment));
  }
  beginLanding(taskId: string): Promise<BeginLandingOutcome | undefined> {
    return this.#guard("beginLanding", () => beginLanding(this.ctx, taskId));
  }
  endLanding(taskId: string, result: LandingResult): Promise<boolean> {
    return this.#guard("endLanding", () => endLanding(this.ctx, taskId, result));
  }
  recoverLandings(olderThan: string): Promise<string[]> {
    return this.#guard("recoverLandings", () => recoverLandings(this.ctx, olderThan));
  }
  discardTask(taskId: string, reason?: string): Promise<TaskRecord | null | undefined> {
    return this.#guard("discardTask", () => discardTask(this.ctx, taskId, reason));
  }
  enqueueLand(taskId: string, entry: Omit<LandQueueEntry, "queuedAt">): Promise<EnqueueOutcome | undefined> {
    return this.#guard("enqueueLand", () => enqueueLand(this.ctx, taskId, entry));
  }
  dequeueLand(taskId: string): Promise<boolean> {
    return this.#guard("dequeueLand", () => dequeueLand(this.ctx, taskId));
  }
  listLandQueue(filter?: { repo?: string; target?: string }): Promise<TaskRecord[]> {
    return this.#guard("listLandQueue", () => listLandQueue(this.ctx, filter));
  }
  setOverlaps(taskId: string, overlaps: TaskOverlap[]): Promise<void> {
    return this.#guard("setOverlaps", () => setOverlaps(this.ctx, taskId, overlaps));
  }

  acquireLease(options: {
    scope: string;
    holder: string;
    ttlMs: number;
    newTerm?: boolean;
  }): Promise<HeldLease | null> {
    return this.#guard("acquireLease", () => acquireLease(this.ctx, options));
  }
  releaseLease(options: { scope: string; holder: string; term: number }): Promise<boolean> {
    return this.#guard("releaseLease", () => releaseLease(this.ctx, options));
  }
  getLease(scope: string): Promise<LeaseRecord | null> {
    return this.#guard("getLease", () => getLease(this.ctx, scope));
  }

  claimTasks(options: ClaimOptions): Promise<ClaimedRun[]> {
    return this.#guard("claimTasks", () => claimTasks(this.ctx, options));
  }
  heartbeatNode(beat: NodeHeartbeat): Promise<{ node: NodeRecord; renewed: number }> {
    return this.#guard("heartbeatNode", () => heartbeatNode(this.ctx, beat));
  }
  setNodeDraining(nodeId: string, draining: boolean): Promise<NodeRecord | undefined> {
    return this.#guard("setNodeDraining", () => setNodeDraining(this.ctx, nodeId, draining));
  }
  listNodes(): Promise<NodeRecord[]> {
    return this.#guard("listNodes", () => listNodes(this.ctx));
  }
  expireRunLeases(leader: { scope: string; holder: string; term: number }): Promise<RunRecord[]> {
    return this.#guard("expireRunLeases", () => expireRunLeases(this.ctx, leader));
  }
  notePlacement(): Promise<number> {
    return this.#guard("notePlacement", () => notePlacement(this.ctx));
  }
  updateRun(fence: RunFence, patch: RunPatch): Promise<boolean> {
    return this.#guard("updateRun", () => updateRun(this.ctx, fence, patch));
  }
  finishRun(fence: RunFence, ending: RunEnding): Promise<boolean> {
    return this.#guard("finishRun", () => finishRun(this.ctx, fence, ending));
  }
  abandonStaleRuns(options: { scope: string; holder: string; term: number }): Promise<RunRecord[]> {
    return this.#guard("abandonStaleRuns", () => abandonStaleRuns(this.ctx, options));
  }
  getRun(runId: string): Promise<RunRecord | undefined> {
    return this.#guard("getRun", async () => {
      const row = await this.ctx.db
        .selectFrom("runs")
        .selectAll()
        .where("run_id", "=", runId)
        .executeTakeFirst();
      return row ? toRunRecord(row) : undefined;
    });
  }
  listRuns(taskId: string): Promise<RunRecord[]> {
    return this.#guard("listRuns", async () => {
      const rows = await this.ctx.db
        .selectFrom("runs")
        .selectAll()
        .where("task_id", "=", taskId)
        .orderBy("attempt")
        .execute();
      return rows.map(toRunRecord);
    });
  }
  listRunningRuns(): Promise<RunRecord[]> {
    return this.#guard("listRunningRuns", async () => {
      const rows = await this.ctx.db
        .selectFrom("runs")
        .selectAll()
        .where("state", "=", "running")
        .orderBy("started_at")
        .execute();
      return rows.map(toRunRecord);
    });
  }

  findTaskByExternalKey(key: string): Promise<TaskRecord | undefined> {
    return this.#guard("findTaskByExternalKey", () => findTaskByExternalKey(this.ctx, key));
  }
  listOpenExternalTasks(prefix: string): Promise<TaskRecord[]> {
    return this.#guard("listOpenExternalTasks", () => listOpenExternalTasks(this.ctx, prefix));
  }
  updateWaitingTask(
    taskId: string,
    patch: { title?: string; prompt?: string }
  ): Promise<WaitingTaskUpdate | undefined> {
    return this.#guard("updateWaitingTask", () => updateWaitingTask(this.ctx, taskId, patch));
  }
  claimDelivery(deliveryId: string, options: { retentionMs: number }): Promise<boolean> {
    return this.#guard("claimDelivery", () => claimDelivery(this.ctx, deliveryId, options.retentionMs));
  }
  forgetDelivery(deliveryId: string): Promise<void> {
    return this.#guard("forgetDelivery", () => forgetDelivery(this.ctx, deliveryId));
  }
  beginComment(taskId: string, kind: string): Promise<CommentBegin> {
    return this.#guard("beginComment", () => beginComment(this.ctx, taskId, kind));
  }
  finishComment(taskId: string, kind: string, posted: { commentId: number; url: string }): Promise<boolean> {
    return this.#guard("finishComment", () => finishComment(this.ctx, taskId, kind, posted));
  }
  getComment(taskId: string, kind: string): Promise<CommentLedgerEntry | undefined> {
    return this.#guard("getComment", () => getComment(this.ctx, taskId, kind));
  }
  listTasksAwaitingComment(options: {
    kind: string;
    states: readonly TaskState[];
    limit: number;
  }): Promise<TaskRecord[]> {
    return this.#guard("listTasksAwaitingComment", () => listTasksAwaitingComment(this.ctx, options));
  }

  getSystemState(): Promise<SystemStateRecord> {
    return this.#guard("getSystemState", () => getSystemState(this.ctx));
  }
  setSystemMode(mode: SystemMode, reason?: string | null): Promise<SystemStateRecord> {
    return this.#guard("setSystemMode", () => setSystemMode(this.ctx, mode, reason));
  }
  setQuotaPause(until: string | null, reason?: string | null): Promise<SystemStateRecord> {
    return this.#guard("setQuotaPause", () => setQuotaPause(this.ctx, until, reason));
  }
  createSchedule(schedule: NewSchedule): Promise<ScheduleRecord> {
    return this.#guard("createSchedule", () => createSchedule(this.ctx, schedule));
  }
  listSchedules(): Promise<ScheduleRecord[]> {
    return this.#guard("listSchedules", () => listSchedules(this.ctx));
  }
  getSchedule(scheduleId: string): Promise<ScheduleRecord | undefined> {
    return this.#guard("getSchedule", () => getSchedule(this.ctx, scheduleId));
  }
  deleteSchedule(scheduleId: string): Promise<boolean> {
    return this.#guard("deleteSchedule", () => deleteSchedule(this.ctx, scheduleId));
  }
  setSchedulePaused(
    scheduleId: string,
    paused: boolean,
    nextFireAt: string | null
  ): Promise<ScheduleRecord | undefined> {
    return this.#guard("setSchedulePaused", () =>
      setSchedulePaused(this.ctx, scheduleId, paused, nextFireAt)
    );
  }
  dueSchedules(limit: number): Promise<{ now: string; due: ScheduleRecord[] }> {
    return this.#guard("dueSchedules", () => dueSchedules(this.ctx, limit));
  }
  nextScheduledFire(): Promise<string | null> {
    return this.#guard("nextScheduledFire", () => nextScheduledFire(this.ctx));
  }
  fireSchedule(fire: ScheduleFire): Promise<FireOutcome> {
    return this.#guard("fireSchedule", () => fireSchedule(this.ctx, fire));
  }

  prepareNotifications(options: {
    urls: readonly string[];
    retryForMs: number;
    limit: number;
  }): Promise<number> {
    return this.#guard("prepareNotifications", () => prepareNotifications(this.ctx, options));
  }
  claimNotifications(options: { leaseMs: number; limit: number }): Promise<ClaimedNotification[]> {
    return this.#guard("claimNotifications", () => claimNotifications(this.ctx, options));
  }
  settleNotification(
    claim: { deliveryId: string; leaseToken: string },
    attempt: NotificationAttempt
  ): Promise<boolean> {
    return this.#guard("settleNotification", () => settleNotification(this.ctx, claim, attempt));
  }
  notificationStats(): Promise<NotificationStats> {
    return this.#guard("notificationStats", () => notificationStats(this.ctx));
  }
  purgeNotifications(olderThan: string): Promise<number> {
    return this.#guard("purgeNotifications", () => purgeNotifications(this.ctx, olderThan));
  }
}
