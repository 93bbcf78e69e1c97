import type { ClockTimers } from "@baa/clock";
import { withDeadline } from "../deadline.js";

export interface RenewalLoopOptions {
  timers: ClockTimers;
  /**
   * One attempt: the loop starts it when its timer fires, never while one is in flight. The
   * attempt itself ends by calling `scheduleNext` (and `armDeadline`), so that the next one is
   * timed from what this one gave, in the same step as the keeper's decision.
   */
  attempt: () => Promise<void>;
  /** Each attempt's work is bounded by this (`bound`) ... */
  attemptTimeoutMs: number;
  /** ... and named so in the DeadlineError. */
  what: string;
  /** The wait before the next attempt after one threw. */
  retryMs: number;
  /** An attempt threw (a bug, not a failed store call: attempts handle those); it is retried. */
  onFailed: (error: unknown) => void;
}

/**
 * The timed loop that keeps a lease alive (the scheduler lease, the node row): one attempt at a
 * time on the injected timers, each bounded by a deadline, and a local deadline timer that fires
 * even while an attempt hangs. `stop()` waits for the attempt in flight. What an attempt does,
 * how long to wait after it, and what the deadline means are the keeper's.
 */
export class RenewalLoop {
  readonly #o: RenewalLoopOptions;
  #running = false;
  #timer: unknown;
  #deadlineTimer: unknown;
  #inFlight: Promise<void> | undefined;

  constructor(options: RenewalLoopOptions) {
    this.#o = options;
  }

  /** Between `start()` and `stop()`. */
  get running(): boolean {
    return this.#running;
  }

  /** Runs the first attempt at once (on the next timer turn); a second start is a no-op. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  /** Cancels the next attempt and the deadline, then resolves once the attempt in flight is over. */
  async stop(): Promise<void> {
    this.#running = false;
    const { timers } = this.#o;
    if (this.#timer !== undefined) timers.clearTimeout(this.#timer);
    if (this.#deadlineTimer !== undefined) timers.clearTimeout(this.#deadlineTimer);
    this.#timer = undefined;
    this.#deadlineTimer = undefined;
    await this.#inFlight;
  }

  /** Settles like `work`, or rejects with a DeadlineError after `attemptTimeoutMs`. */
  bound<T>(work: Promise<T>): Promise<T> {
    return withDeadline(this.#o.timers, work, this.#o.attemptTimeoutMs, this.#o.what);
  }

  /** The next attempt, `waitMs` from now; nothing once stopped. */
  scheduleNext(waitMs: number): void {
    if (this.#running) this.#schedule(waitMs);
  }

  /**
   * Calls `onDeadline` at `at` (this clock, ms), in place of the deadline armed before; `null`
   * (or a stopped loop) only takes that one away. `onDeadline` checks whether it still applies.
   */
  armDeadline(at: number | null, onDeadline: () => void): void {
    const { timers } = this.#o;
    if (this.#deadlineTimer !== undefined) timers.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    if (at === null || !this.#running) return;
    this.#deadlineTimer = timers.setTimeout(
      () => {
        this.#deadlineTimer = undefined;
        onDeadline();
      },
      Math.max(0, at - timers.now())
    );
  }

  #schedule(waitMs: number): void {
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      this.#inFlight = this.#o.attempt().catch((error: unknown) => {
        this.#o.onFailed(error);
        if (this.#running) this.#schedule(this.#o.retryMs);
      });
    }, waitMs);
  }
}
