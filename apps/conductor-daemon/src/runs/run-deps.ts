import type { ControlStore, RunFence, TaskRecord } from "@baa/control-store";
import type { EventInput, EventLog } from "@baa/event-log";
import type { Logger } from "pino";
import type { RepoConfigFile } from "../checks/repo-config.js";
import type { ClockTimers } from "@baa/clock";
import type { EndingPolicy } from "../scheduler/run-ending.js";
import type { PreparedWorkspace } from "../workspaces/workspaces.js";
import type { RunBranch } from "./run-branch.js";
import type { RunFolder } from "./run-folder.js";
import type { WorkerCodexd } from "./worker-codexd.js";

// What a run on its owner is given, read by its loop (run-executor.ts), its repository commands
// (run-commands.ts) and its end (run-end.ts).

export type RunStore = Pick<ControlStore, "updateRun" | "finishRun" | "getTask" | "getRun" | "listRuns">;

/** Defaults for what a task leaves unset, and the timings of the run loop. */
export interface RunSettings {
  /** Interrupt and retry a turn with no new event for this long (a task's stallTimeoutMs wins). */
  stallTimeoutMs: number;
  /** A task's deadline when it sets none; null for none. */
  timeoutMs: number | null;
  /** How often progress (lastEventAt) is written and a cancel requested on another node is looked for. */
  progressEveryMs: number;
  /** After an interrupt, wait this long for the turn to end before ending the run anyway. */
  interruptGraceMs: number;
  /** Wait before reopening a dropped event stream. */
  reconnectDelayMs: number;
  connectTimeoutMs: number;
  /** How often a failed end-of-run write is tried again (the store may be down for a moment). */
  finishRetryMs: number;
  finishAttempts: number;
}

export interface RunExecutorDeps {
  store: RunStore;
  codexd: WorkerCodexd;
  workspaces: { prepare(task: TaskRecord): Promise<PreparedWorkspace>; markSetupDone?(taskId: string): void };
  /** The repository's config at a commit, and the environment its commands run with. */
  checks: {
    readConfig(worktree: string, ref: string): Promise<RepoConfigFile | null>;
    env: NodeJS.ProcessEnv;
  };
  /** The commit a worktree run makes when it ends, and whether its branch then holds work to review. */
  branch: RunBranch;
  /** Told when a run left its task `in_review` (auto_land lands it from there). */
  onInReview?: (task: TaskRecord, how: { checksFailing: boolean }) => void;
  /** The conductor's event log: every event of a run is recorded with its taskId and runId. */
  events: Pick<EventLog, "record">;
  /** Sets the usage-limit pause (the system modes' setter, so this node's gate closes at once). */
  quota: { setQuotaPause(until: string | null, reason: string | null): Promise<unknown> };
  runsDir: string;
  timers: ClockTimers;
  logger: Logger;
  policy: EndingPolicy;
  settings: RunSettings;
  /** Told of each write the store fenced out (counted in the node's metrics). */
  onStaleWrite?: (write: "update" | "finish") => void;
}

/** One run as the work outside its turn loop sees it: fixed for the run, writes fenced. */
export interface RunContext {
  readonly deps: RunExecutorDeps;
  readonly task: TaskRecord;
  readonly fence: RunFence;
  readonly attempt: number;
  readonly startedAt: string;
  readonly folder: RunFolder;
  readonly log: Logger;
  /** A fenced run update; a failure is logged, a fenced-out write stops the run. */
  update(patch: Parameters<RunStore["updateRun"]>[1]): Promise<void>;
  /** Records an event of the run in the event log and the run folder. */
  record(input: Omit<EventInput, "taskId" | "runId">): void;
}
