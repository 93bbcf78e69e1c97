import { setImmediate as flushIo } from "node:timers/promises";

import type { Timers } from "../src/timers.js";

/** Manual clock for unit tests: timers fire only inside `advance`. */
export class FakeTimers implements Timers {
  now = 0;
  #nextHandle = 1;
  readonly #timers = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { at: this.now + ms, callback });
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingCount(): number {
    return this.#timers.size;
  }

  /** Delays of the timers now scheduled, relative to now. */
  get scheduledDelays(): number[] {
    return [...this.#timers.values()].map((timer) => timer.at - this.now).sort((a, b) => a - b);
  }

  /** Moves time forward, firing due timers in order and letting promise chains run between them. */
  async advance(ms: number): Promise<void> {
    const target = this.now + ms;
    for (;;) {
      await flushIo();
      let nextHandle: number | undefined;
      let nextAt = Infinity;
      for (const [handle, timer] of this.#timers) {
        if (timer.at <= target && timer.at < nextAt) {
          nextHandle = handle;
          nextAt = timer.at;
        }
      }
      if (nextHandle === undefined) {
        break;
      }
      const timer = this.#timers.get(nextHandle);
      this.#timers.delete(nextHandle);
      this.now = nextAt;
      timer?.callback();
    }
    this.now = target;
    await flushIo();
  }
}

/** Lets pending promise callbacks and queued I/O callbacks run. */
export async function settle(): Promise<void> {
  await flushIo();
}
