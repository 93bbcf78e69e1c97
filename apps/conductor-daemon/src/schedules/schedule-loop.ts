import type { ControlStore } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import { decideFire } from "./cron-schedule.js";

export type ScheduleLoopStore = Pick<ControlStore, "dueSchedules" | "fireSchedule" | "nextScheduledFire">;

export interface ScheduleLoopOptions {
  store: ScheduleLoopStore;
  scope: string;
  leadership: { current(): { holder: string; term: number } | null };
  /** Told when a fire created a task (the claim loop looks at once). */
  onTask(taskId: string): void;
  /** The longest wait between looks (BAA_SCHEDULER_POLL_MS). */
  pollMs: number;
  timers: ClockTimers;
  logger: Logger;
}

const BATCH = 50;

/**
 * The leader's schedule loop: fires due schedules (see `decideFire`) through the store, which
 * checks the lease and the schedule's expected next fire in the fire's own transaction, so a
 * stale leader or a second node racing it changes nothing. Waits until the next fire, at most
 * `pollMs` (a schedule another node created is seen by then).
 */
export class ScheduleLoop {
  readonly #o: ScheduleLoopOptions;
  readonly #log: Logger;
  #timer: unknown;
  #running = false;
  #ticking: Promise<void> | undefined;
  #failing = false;

  constructor(options: ScheduleLoopOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: "schedules" });
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#arm(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#ticking;
  }

  /** Looks again soon (a schedule was created or resumed on this node). */
  wake(): void {
    if (this.#running && this.#ticking === undefined) this.#arm(0);
  }

  /** One pass now; resolves when it is over (tests). Returns the ids of the tasks it created. */
  async tick(): Promise<string[]> {
    await this.#ticking;
    const pass = this.#pass();
    this.#ticking = pass.then(
      () => undefined,
      () => undefined
    );
    try {
      return await pass;
    } finally {
      this.#ticking = undefined;
    }
  }

  #arm(ms: number): void {
    const { timers } = this.#o;
    if (this.#timer !== undefined) timers.clearTimeout(this.#timer);
    this.#timer = timers.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      void this.tick()
        .then(() => this.#waitMs())
        .catch((error: unknown) => {
          this.#log.warn({ err: error }, "schedule pass failed; trying again at the next poll");
          return this.#o.pollMs;
        })
        .then((wait) => {
          if (this.#running) this.#arm(wait);
        });
    }, ms);
  }

  async #waitMs(): Promise<number> {
    if (this.#o.leadership.current() === null) return this.#o.pollMs;
    const next = await this.#o.store.nextScheduledFire();
    if (next === null) return this.#o.pollMs;
    return Math.max(0, Math.min(this.#o.pollMs, Date.parse(next) - this.#o.timers.wallNow()));
  }

  async #pass(): Promise<string[]> {
    const lease = this.#o.leadership.current();
    if (lease === null) return [];
    let found: Awaited<ReturnType<ControlStore["dueSchedules"]>>;
    try {
      found = await this.#o.store.dueSchedules(BATCH);
      if (this.#failing) this.#log.info("schedules are read again");
      this.#failing = false;
    } catch (error) {
      if (!this.#failing)
        this.#log.warn({ err: error }, "could not read due schedules; trying again at the next poll");
      this.#failing = true;
      return [];
    }
    const created: string[] = [];
    for (const schedule of found.due) {
      if (schedule.nextFireAt === null) continue;
      const decision = decideFire({ ...schedule, nextFireAt: schedule.nextFireAt }, found.now);
      if (decision === null) continue;
      const outcome = await this.#o.store.fireSchedule({
        scope: this.#o.scope,
        ...lease,
        scheduleId: schedule.scheduleId,
        expectedNextFireAt: schedule.nextFireAt,
        ...decision
      });
      const log = {
        scheduleId: schedule.scheduleId,
        name: schedule.name,
        scheduledFor: decision.scheduledFor,
        nextFireAt: decision.nextFireAt
      };
      if (outcome.kind === "fired" && outcome.created) {
        this.#log.info({ ...log, taskId: outcome.task.taskId }, "schedule fired");
        created.push(outcome.task.taskId);
        this.#o.onTask(outcome.task.taskId);
      } else if (outcome.kind === "skipped") this.#log.info(log, "missed fires skipped (catchUp none)");
      else if (outcome.kind === "stale")
        this.#log.debug(log, "schedule fire changed nothing (not leading, or moved on)");
    }
    return created;
  }
}
