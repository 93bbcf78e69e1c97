import type { Timers } from "./write-timers.js";

/**
 * Timers that fire only when told to, in due order, on their own clock (`now`): for tests of
 * retries and timeouts that must not wait on the wall clock.
 */
export class ManualTimers implements Timers {
  now = 0;
  readonly #due = new Map<number, { at: number; callback: () => void }>();
  #next = 1;

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#due.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#due.delete(handle as number);
  }

  /** Delays of the timers now waiting, soonest first. */
  pending(): number[] {
    return [...this.#due.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  /** Advances the clock to the soonest timer and fires it; false when none waits. */
  fireNext(): boolean {
    const soonest = [...this.#due.entries()].sort((a, b) => a[1].at - b[1].at)[0];
    if (soonest === undefined) return false;
    this.#due.delete(soonest[0]);
    this.now = Math.max(this.now, soonest[1].at);
    soonest[1].callback();
    return true;
  }
}
