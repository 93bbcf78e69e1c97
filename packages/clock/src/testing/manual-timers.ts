import { setImmediate as nextTurn } from "node:timers/promises";
import type { ClockTimers } from "../clock-timers.js";

interface Pending {
  /** When it is due, on this clock. */
  at: number;
  /** The delay it was scheduled with. */
  ms: number;
  callback: () => void;
}

/**
 * A clock and timers that move only when a test says so. Time advances by `advance` (firing what
 * falls due, in order, letting promise chains run between timers) or by `fireNext`; `fire(ms)`
 * fires timers by the delay they were scheduled with, without moving the clock.
 */
export class ManualTimers implements ClockTimers {
  readonly #pending = new Map<number, Pending>();
  readonly #epochMs: number;
  #now: number;
  #nextId = 1;
  #waiters: Array<() => void> = [];

  constructor(options: { startMs?: number; epochMs?: number } = {}) {
    this.#now = options.startMs ?? 0;
    this.#epochMs = options.epochMs ?? Date.parse("2026-01-01T00:00:00.000Z");
  }

  now(): number {
    return this.#now;
  }

  wallNow(): number {
    return this.#epochMs + this.#now;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#nextId++;
    const delay = Math.max(0, ms);
    this.#pending.set(id, { at: this.#now + delay, ms: delay, callback });
    for (const wake of this.#waiters.splice(0)) wake();
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** How many timers wait. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** The waiting timers' remaining delays, soonest first. */
  pending(): number[] {
    return [...this.#pending.values()].map((timer) => timer.at - this.#now).sort((a, b) => a - b);
  }

  /** The delays the waiting timers were scheduled with, in scheduling order. */
  scheduled(): number[] {
    return [...this.#pending.values()].map((timer) => timer.ms);
  }

  /** Resolves once at least `count` timers wait. */
  async waitForPending(count: number): Promise<void> {
    while (this.#pending.size < count) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Moves the clock to the soonest timer and fires it; false when none waits. */
  fireNext(): boolean {
    const soonest = this.#soonest(Number.POSITIVE_INFINITY);
    if (soonest === undefined) return false;
    this.#fire(soonest);
    return true;
  }

  /** Fires every waiting timer scheduled with exactly `ms` (every one when omitted); the clock stays. */
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

  /** Moves the clock forward by `ms`, firing due timers in order and settling promises between. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    await this.settle();
    for (;;) {
      const due = this.#soonest(target);
      if (due === undefined) break;
      this.#fire(due);
      await this.settle();
    }
    this.#now = target;
    await this.settle();
  }

  /**
   * Moves the clock forward by `ms` without firing anything, for code that reads the clock between
   * timers; a timer this passes fires at the next `advance` or `fireNext`.
   */
  jump(ms: number): void {
    this.#now += ms;
  }

  /** Lets pending promise callbacks and queued I/O callbacks run, without moving the clock. */
  async settle(): Promise<void> {
    for (let turn = 0; turn < 20; turn++) await nextTurn();
  }

  #soonest(limit: number): number | undefined {
    let dueId: number | undefined;
    let dueAt = Number.POSITIVE_INFINITY;
    for (const [id, timer] of this.#pending) {
      if (timer.at <= limit && timer.at < dueAt) {
        dueAt = timer.at;
        dueId = id;
      }
    }
    return dueId;
  }

  #fire(id: number): void {
    const timer = this.#pending.get(id);
    if (timer === undefined) return;
    this.#pending.delete(id);
    this.#now = Math.max(this.#now, timer.at);
    timer.callback();
  }
}
