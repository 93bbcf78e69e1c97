import { existsSync } from "node:fs";
import type { ControlStore, TaskRecord } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import { changedPaths } from "@baa/task-git";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import { Lander, type LanderDeps } from "../review/lander.js";
import { locateTaskBranch, type TaskBranchSources } from "../review/task-branch.js";
import type { GitRunner } from "../workspaces/git-runner.js";
import { ConflictForecast } from "./conflict-forecast.js";
import { LandQueueProcessor } from "./land-queue-processor.js";
import { QueueStep, type LandAttemptOutcome } from "./queue-step.js";
import { tipChecks } from "./tip-checks.js";

/** The land lock's lease: long enough to ride out a slow store, renewed every third of it. */
export const LAND_LOCK_TTL_MS = 30_000;

/** What the merge queue tells as it goes (the metrics; see metrics/land-queue-metrics.ts). */
export interface LandQueueCounts {
  /** A task joined a queue on this node. */
  entered(): void;
  /** A land of a queue head ended. */
  attempt(outcome: LandAttemptOutcome, task: TaskRecord): void;
  /** Tasks in every queue, as a pass listed them. */
  length(length: number): void;
}

export interface MergeQueueOptions extends Omit<LanderDeps, "store" | "events"> {
  store: ControlStore;
  nodeId: string;
  markers: Pick<TaskBranchSources, "markerOf">;
  git: GitRunner;
  timers: ClockTimers;
  pollIntervalMs: number;
  events: { record(input: EventInput): unknown };
  /** A revise round on the task's own thread (TaskReview.revise). */
  revise(taskId: string, comment: string): Promise<unknown>;
  counts?: LandQueueCounts;
  logger: Logger;
}

/** The merge queue of one node: its processor loop and the conflict forecast it keeps fresh. */
export function createMergeQueue(options: MergeQueueOptions): {
  processor: LandQueueProcessor;
  forecast: ConflictForecast;
} {
  const { store, logger } = options;
  const log = logger.child({ component: "land-queue" });
  const locate = (task: TaskRecord) =>
    locateTaskBranch(task, {
      markerOf: (id) => options.markers.markerOf(id),
      listRuns: (id) => store.listRuns(id)
    });
  const forecast = new ConflictForecast({
    store,
    locate,
    changedPaths: (repo, base, head) => changedPaths({ repo, base, head }),
    logger: log
  });
  const step = new QueueStep({
    store,
    locate,
    lander: new Lander({ ...options, store, logger: log }),
    checkTip: tipChecks({ git: options.git, timers: options.timers, events: options.events }),
    sendBack: (taskId, comment) => options.revise(taskId, comment),
    events: options.events,
    ...(options.counts === undefined ? {} : { onAttempt: options.counts.attempt }),
    logger: log
  });
  const processor = new LandQueueProcessor({
    store,
    nodeId: options.nodeId,
    timers: options.timers,
    pollIntervalMs: options.pollIntervalMs,
    lockTtlMs: LAND_LOCK_TTL_MS,
    hasRepo: (repo) => existsSync(repo),
    step,
    afterStep: (task, outcome) => {
      if (outcome !== "retry" && outcome !== "wait") void forecast.refresh(task);
    },
    ...(options.counts === undefined ? {} : { onQueueLength: options.counts.length }),
    logger: log
  });
  return { processor, forecast };
}
