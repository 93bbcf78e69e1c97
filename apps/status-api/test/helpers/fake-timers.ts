import type { TimerApi } from "../../src/sources/http-client.js";

/** Timers that fire only when the test says so. */
export class FakeTimers implements TimerApi {
  readonly #pending = new Map<number, { callback: () => void; ms: number }>();
  #next = 1;
  #waiters: Array<() => void> = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { callback, ms });
    for (const wake of this.#waiters.splice(0)) wake();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  get pending(): number[] {
    return [...this.#pending.values()].map((t) => t.ms);
  }

  /** Resolves once at least `count` timers are pending. */
  async waitForPending(count: number): Promise<void> {
    while (this.#pending.size < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Fires every pending timer of exactly `ms` (all of them when omitted). */
  fire(ms?: number): number {
    let fired = 0;
    for (const [id, timer] of [...this.#pending]) {
      if (ms !== undefined && timer.ms !== ms) continue;
      this.#pending.delete(id);
      timer.callback();
      fired++;
    }
    return fired;
  }
}
