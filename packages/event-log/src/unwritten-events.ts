import { StateWriteError, retryDelayMs, type RetryPolicy, type WriteHealth } from "@baa/state-files";
import type { Timers } from "@baa/clock";

export interface UnwrittenEventsOptions {
  /** The log file, as reported to `health`. */
  path: string;
  /** Appends one line to the log; throws when it cannot. */
  append: (seq: number, line: string) => void;
  health: WriteHealth;
  timers: Timers;
  now: () => number;
  retry: RetryPolicy;
  /** Lines kept for a retry while the log cannot be written; beyond it the oldest are dropped. */
  maxBytes: number;
}

/**
 * The event log's writes while its disk refuses them: a line that could not be appended waits
 * here, in order, with every line after it, and is retried with backoff. What does not fit the
 * byte budget is dropped oldest first, counted and logged; a gap is never silent.
 */
export class UnwrittenEvents {
  readonly #o: UnwrittenEventsOptions;
  #queue: { seq: number; line: string }[] = [];
  #head = 0;
  #bytes = 0;
  #failures = 0;
  #lastError: unknown;
  #timer: unknown;
  #lostInRun = 0;
  #lostSeqs: { first: number; last: number } | undefined;
  /** Events dropped since start because they could not be written within the budget. */
  lost = 0;

  constructor(options: UnwrittenEventsOptions) {
    this.#o = options;
  }

  /** Why the last write failed (undefined while writes work). */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** Lines waiting to be written. */
  get count(): number {
    return this.#queue.length - this.#head;
  }

  /** Appends the line now, or queues it behind lines still waiting; true when it is on disk. */
  write(seq: number, line: string): boolean {
    if (this.count === 0) {
      try {
        this.#o.append(seq, line);
        return true;
      } catch (error) {
        this.#enqueue(seq, line);
        this.#failed(error);
        return false;
      }
    }
    this.#enqueue(seq, line);
    return false;
  }

  /** Writes what waits, now; throws a StateWriteError when the log still refuses it. */
  flush(): void {
    if (!this.#drain()) throw new StateWriteError([this.#o.path], this.#lastError);
  }

  /** Shutdown: one last try; returns how many events are lost with the process. */
  close(): number {
    if (!this.#drain()) {
      this.#o.health.logger.error(
        { file: this.#o.path, err: this.#lastError, unwritten: this.count },
        "event log closed with events it could not write"
      );
    }
    this.#clearTimer();
    return this.count;
  }

  // Appends the waiting lines in order; on a failure, reports it and schedules the next try.
  #drain(): boolean {
    this.#clearTimer();
    while (this.count > 0) {
      const next = this.#queue[this.#head] as { seq: number; line: string };
      try {
        this.#o.append(next.seq, next.line);
      } catch (error) {
        this.#failed(error);
        return false;
      }
      this.#head += 1;
      this.#bytes -= Buffer.byteLength(next.line);
    }
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    if (this.#failures > 0) {
      this.#failures = 0;
      this.#lastError = undefined;
      if (this.#lostInRun > 0) {
        this.#o.health.logger.error(
          { file: this.#o.path, lost: this.#lostInRun, seqs: this.#lostSeqs },
          "event log writes resumed after dropping events"
        );
      }
      this.#lostInRun = 0;
      this.#lostSeqs = undefined;
      this.#o.health.succeeded(this.#o.path);
    }
    return true;
  }

  #enqueue(seq: number, line: string): void {
    this.#queue.push({ seq, line });
    this.#bytes += Buffer.byteLength(line);
    while (this.#bytes > this.#o.maxBytes && this.count > 1) {
      const dropped = this.#queue[this.#head] as { seq: number; line: string };
      this.#head += 1;
      this.#bytes -= Buffer.byteLength(dropped.line);
      if (this.#lostInRun === 0) {
        this.#o.health.logger.error(
          { file: this.#o.path, seq: dropped.seq, maxBytes: this.#o.maxBytes },
          "event log is dropping events it cannot write (budget for unwritten events exceeded)"
        );
      }
      this.#lostInRun += 1;
      this.lost += 1;
      this.#lostSeqs = { first: this.#lostSeqs?.first ?? dropped.seq, last: dropped.seq };
    }
    // Compact now and then so the drained head does not pin memory.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #failed(error: unknown): void {
    this.#failures += 1;
    this.#lastError = error;
    const delay = retryDelayMs(this.#failures, this.#o.retry);
    this.#clearTimer();
    this.#timer = this.#o.timers.setTimeout(() => {
      this.#timer = undefined;
      this.#drain();
    }, delay);
    this.#o.health.failed(this.#o.path, error, {
      retry: () => this.flush(),
      nextRetryAt: this.#o.now() + delay
    });
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
