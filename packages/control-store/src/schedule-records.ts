import type { NewTask } from "./new-task.js";

/** `one`: after a time with no leader, one task for the latest missed fire; `none`: skip to the next. */
export type CatchUp = "one" | "none";

export const CATCH_UP_MODES: readonly CatchUp[] = ["one", "none"];

/** What each fire of a schedule creates: a task's fields, less those that name one moment or task. */
export type ScheduledTask = Omit<NewTask, "dependsOn" | "notBefore">;

export interface ScheduleRecord {
  scheduleId: string;
  name: string;
  /** Five fields, or six with seconds first (croner). */
  cron: string;
  /** IANA time zone the cron is read in. */
  timezone: string;
  paused: boolean;
  catchUp: CatchUp;
  /** The next fire (ISO); null while paused. */
  nextFireAt: string | null;
  /** The fire time of the last task it created. */
  lastFireAt: string | null;
  lastTaskId: string | null;
  task: ScheduledTask;
  createdAt: string;
  updatedAt: string;
}

/** What `createSchedule` stores; the caller (which parses the cron) computes `nextFireAt`. */
export interface NewSchedule {
  name: string;
  cron: string;
  timezone: string;
  catchUp: CatchUp;
  task: ScheduledTask;
  nextFireAt: string;
}

/**
 * One fire, decided by the leader: create the task for `scheduledFor` (null: skip the missed
 * fires) and move the schedule to `nextFireAt`, if the schedule still waits on `expectedNextFireAt`.
 */
export interface ScheduleFire {
  scope: string;
  holder: string;
  term: number;
  scheduleId: string;
  expectedNextFireAt: string;
  scheduledFor: string | null;
  nextFireAt: string;
}

export type FireOutcome =
  /** The task was created (or had been, by an earlier fire of the same time: `created` false). */
  | { kind: "fired"; task: import("./records.js").TaskRecord; created: boolean }
  /** The missed fires were skipped (catchUp none). */
  | { kind: "skipped" }
  /** Nothing changed: the lease is not held with that term, or the schedule moved on, was paused or deleted. */
  | { kind: "stale" };
