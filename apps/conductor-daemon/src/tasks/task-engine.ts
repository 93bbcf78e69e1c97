import { join } from "node:path";
import type { ControlStore, TaskRecord } from "@baa/control-store";
import { EventLog } from "@baa/event-log";
import { WriteHealth } from "@baa/state-files";
import type { Logger } from "pino";
import type { CodexdClient } from "../codexd/codexd-client.js";
import type { ConductorConfig } from "../config.js";
import type { ClockTimers } from "@baa/clock";
import { executeRun, type RunExecutorDeps, type RunSettings } from "../runs/run-executor.js";
import { workerCodexd, type WorkerCodexd } from "../runs/worker-codexd.js";
import { recoverOwnRuns } from "../scheduler/orphan-recovery.js";
import {
  Scheduler,
  type SchedulerGate,
  type SchedulerLeadership,
  type SchedulerOptions
} from "../scheduler/scheduler.js";
import type { EndingPolicy } from "../scheduler/run-ending.js";
import { execGit, type GitRunner } from "../workspaces/git-runner.js";
import { Workspaces } from "../workspaces/workspaces.js";
import { WorkRemote } from "../workspaces/work-remote.js";
import { createGitHubForge, type GitHubForge } from "@baa/github-forge";
import { gitRunBranch } from "../review/run-branch-git.js";
import { TaskReview } from "../review/task-review.js";
import { commandEnv } from "../checks/command-runner.js";
import { readRepoConfig } from "../checks/read-repo-config.js";
import type { ConflictForecast } from "../land-queue/conflict-forecast.js";
import type { LandQueueProcessor } from "../land-queue/land-queue-processor.js";
import { createMergeQueue, type LandQueueCounts } from "../land-queue/merge-queue.js";

export interface TaskEngineOptions {
  config: ConductorConfig;
  /** The guarded store (an unreachable store is a StoreUnavailableError). */
  store: ControlStore;
  codexd: CodexdClient;
  leadership: SchedulerLeadership & { readonly scope: string };
  gate: SchedulerGate;
  /** Where a usage-limit pause is set (the system modes, so this node's gate closes at once). */
  quota: { setQuotaPause(until: string | null, reason: string | null): Promise<unknown> };
  timers: ClockTimers;
  logger: Logger;
  git?: GitRunner;
  /** Overrides of the run loop's timings (tests shorten the interrupt grace). */
  runSettings?: Partial<RunSettings>;
  /** A node's own claim (PostgreSQL, every node claims): its run leases and which tasks it can run. */
  claim?: SchedulerOptions["claim"];
  /** Told of each fenced-out run write (a stale write: this node no longer owns the run). */
  onStaleWrite?: RunExecutorDeps["onStaleWrite"];
  /** Told what the merge queue does (the metrics). */
  landQueueCounts?: LandQueueCounts;
}

/**
 * The task side of a conductor node: the event log runs record into (`logsDir/events.jsonl`),
 * task workspaces, the claim loop with its run executor, and the removal of old worktrees.
 */
export class TaskEngine {
  readonly events: EventLog;
  readonly scheduler: Scheduler;
  readonly workspaces: Workspaces;
  /** Diff, revise, land and discard of a task's branch. */
  readonly review: TaskReview;
  /** Lands queued tasks one at a time per target (a lock in the store), re-checked on the tip. */
  readonly landQueue: LandQueueProcessor;
  /** Which open tasks on a repository changed the same paths. */
  readonly forecast: ConflictForecast;
  readonly #o: TaskEngineOptions;
  readonly #log: Logger;
  readonly #worker: WorkerCodexd;
  #reapTimer: unknown;
  #reaping: Promise<unknown> | undefined;
  #running = false;

  constructor(options: TaskEngineOptions) {
    this.#o = options;
    const { config, timers } = options;
    this.#log = options.logger.child({ component: "tasks" });
    this.events = new EventLog({
      logPath: join(config.paths.logsDir, "events.jsonl"),
      recentPath: join(config.paths.stateDir, "recent-run-events.json"),
      limit: 1000,
      now: () => timers.wallNow(),
      // Failed event-log writes are logged and retried; see @baa/state-files WriteHealth.
      health: new WriteHealth({ logger: this.#log, now: () => timers.wallNow() })
    });
    const git = options.git ?? execGit;
    const workRemote =
      config.workRemote === undefined ? undefined : new WorkRemote({ remote: config.workRemote, git });
    this.workspaces = new Workspaces({
      ...(workRemote === undefined ? {} : { workRemote }),
      git,
      worktreesDir: config.paths.worktreesDir,
      scratchDir: config.paths.scratchDir,
      logger: this.#log,
      wallNow: () => timers.wallNow()
    });
    this.#worker = workerCodexd(options.codexd);
    const forge =
      config.githubToken === undefined
        ? null
        : createGitHubForge({
            token: config.githubToken,
            apiUrl: config.githubApiUrl,
            logger: this.#log.child({ component: "github" })
          });
    this.review = this.#createReview(forge);
    const mergeQueue = this.#createMergeQueue(git, forge);
    this.landQueue = mergeQueue.processor;
    this.forecast = mergeQueue.forecast;
    this.scheduler = this.#createScheduler(git, workRemote);
  }

  #createReview(forge: GitHubForge | null): TaskReview {
    const { config, store } = this.#o;
    return new TaskReview({
      store,
      markers: this.workspaces,
      events: this.events,
      diffMaxBytes: config.diffMaxBytes,
      wake: () => this.scheduler.wake(),
      onQueued: (task) => {
        this.#o.landQueueCounts?.entered();
        this.landQueue.wake();
        void this.forecast.refresh(task);
      },
      author: config.gitAuthor,
      worktreesDir: config.paths.worktreesDir,
      forge,
      logger: this.#log
    });
  }

  #createMergeQueue(git: GitRunner, forge: GitHubForge | null): ReturnType<typeof createMergeQueue> {
    const { config, store, timers } = this.#o;
    return createMergeQueue({
      store,
      nodeId: config.nodeId,
      markers: this.workspaces,
      git,
      timers,
      pollIntervalMs: config.schedulerPollMs,
      events: this.events,
      revise: (taskId, comment) => this.review.revise(taskId, { comment }),
      ...(this.#o.landQueueCounts === undefined ? {} : { counts: this.#o.landQueueCounts }),
      author: config.gitAuthor,
      worktreesDir: config.paths.worktreesDir,
      forge,
      logger: this.#log
    });
  }

  /** The claim loop: each claimed run executes on the worker codexd, in the task's workspace. */
  #createScheduler(git: GitRunner, workRemote: WorkRemote | undefined): Scheduler {
    const options = this.#o;
    const { config, timers, store } = options;
    const policy = endingPolicy(config);
    const settings = runSettings(config, options.runSettings);
    const branch = gitRunBranch({
      author: config.gitAuthor,
      git,
      ...(workRemote === undefined ? {} : { workRemote })
    });
    const checks = {
      readConfig: (worktree: string, ref: string) => readRepoConfig(git, worktree, ref),
      env: commandEnv(process.env)
    };
    const onInReview = (task: TaskRecord, how: { checksFailing: boolean }) => {
      void this.forecast.refresh(task);
      // Failing checks wait for a person even under auto_land.
      if (task.review === "auto_land" && !how.checksFailing) void this.review.autoLand(task.taskId);
    };
    return new Scheduler({
      store,
      scope: options.leadership.scope,
      leadership: options.leadership,
      gate: options.gate,
      maxConcurrent: config.maxConcurrentTasks,
      ...(options.claim === undefined ? {} : { claim: options.claim }),
      pollIntervalMs: config.schedulerPollMs,
      timers,
      logger: this.#log,
      onLead: (_lease, localRunIds) => this.#recoverOwnRuns(localRunIds),
      execute: (claim) =>
        executeRun(
          {
            store,
            codexd: this.#worker,
            workspaces: this.workspaces,
            branch,
            onInReview,
            checks,
            events: this.events,
            quota: options.quota,
            runsDir: config.paths.runsDir,
            timers,
            logger: this.#log,
            policy,
            settings,
            ...(options.onStaleWrite === undefined ? {} : { onStaleWrite: options.onStaleWrite })
          },
          claim
        )
    });
  }

  /** On taking the lead: this node's runs left from before (not running here) are recovered. */
  async #recoverOwnRuns(localRunIds: ReadonlySet<string>): Promise<void> {
    const { store, config } = this.#o;
    const worker = this.#worker;
    await recoverOwnRuns(
      {
        store,
        nodeId: config.nodeId,
        logger: this.#log,
        interruptTurn: async (run) => {
          if (run.sessionId === null) return;
          await worker.interruptTurn(run.sessionId, run.turnId);
          await worker.closeSession(run.sessionId);
        }
      },
      localRunIds
    );
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#recoverLandings();
    this.scheduler.start();
    this.landQueue.start();
    this.#scheduleReap();
  }

  /** Stops claiming and abandons local runs (their tasks go back to the queue). */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#reapTimer !== undefined) this.#o.timers.clearTimeout(this.#reapTimer);
    await this.scheduler.stop();
    await this.landQueue.stop();
    await this.#reaping;
  }

  /** Closes the event log; after `stop`. */
  close(): Promise<void> {
    return this.events.close();
  }

  /** Removes the worktrees of tasks ended longer ago than the retention (their work committed first). */
  reapWorktrees(): Promise<string[]> {
    const { store, config, timers } = this.#o;
    return this.workspaces.reap({
      endedAt: async (taskId) => (await store.getTask(taskId))?.endedAt ?? null,
      retentionMs: config.worktreeRetentionMs,
      nowMs: timers.wallNow()
    });
  }

  /**
   * A land cut short by a stop leaves its task `landing`; git moved the target in one step or
   * not at all, so the task goes back to review (a second land of merged work changes nothing).
   * On SQLite this node is the only one; on PostgreSQL another node may be landing right now,
   * so only lands older than any land takes are taken back.
   */
  async #recoverLandings(): Promise<void> {
    const { store, timers } = this.#o;
    const graceMs = store.kind === "sqlite" ? 0 : 15 * 60 * 1000;
    try {
      const ids = await store.recoverLandings(new Date(timers.wallNow() - graceMs).toISOString());
      if (ids.length > 0) this.#log.warn({ taskIds: ids }, "lands cut short by a stop went back to review");
    } catch (error) {
      this.#log.error({ err: error }, "could not look for lands cut short by a stop");
    }
  }

  #scheduleReap(): void {
    const every = Math.max(1_000, Math.min(60_000, this.#o.config.worktreeRetentionMs));
    this.#reapTimer = this.#o.timers.setTimeout(() => {
      this.#reapTimer = undefined;
      if (!this.#running) return;
      this.#reaping = this.reapWorktrees()
        .catch((error: unknown) =>
          this.#log.warn({ err: error }, "worktree cleanup failed; trying again later")
        )
        .finally(() => {
          if (this.#running) this.#scheduleReap();
        });
    }, every);
  }
}

/** How a run's ending is retried and how long a usage-limit pause lasts. */
function endingPolicy(config: ConductorConfig): EndingPolicy {
  return {
    retry: { baseMs: config.taskRetryBaseMs, maxMs: config.taskRetryMaxMs },
    quota: { fallbackMs: config.quotaBackoffMs, minMs: 1_000, maxMs: 8 * 24 * 60 * 60 * 1000 }
  };
}

/** The run loop's timings from the configuration, with the given overrides. */
function runSettings(config: ConductorConfig, overrides: Partial<RunSettings> | undefined): RunSettings {
  return {
    stallTimeoutMs: config.taskStallTimeoutMs,
    timeoutMs: config.taskTimeoutMs ?? null,
    progressEveryMs: config.runProgressMs,
    interruptGraceMs: 10_000,
    reconnectDelayMs: 500,
    connectTimeoutMs: config.codexdConnectTimeoutMs,
    finishRetryMs: 1_000,
    finishAttempts: 30,
    ...overrides
  };
}
