import type { LoopTimers } from "../../src/loop-timers.js";

export interface FakeTimers extends LoopTimers {
  /** Moves the clock forward by `ms`, firing due timers in order and letting promises settle. */
  advance(ms: number): Promise<void>;
  /** Lets pending promises settle without moving the clock. */
  settle(): Promise<void>;
  pending(): number;
}

/** A manual clock for the loops: nothing fires until the test advances it. */
export function fakeTimers(epochMs = Date.parse("2026-01-01T00:00:00.000Z")): FakeTimers {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; callback: () => void }>();
  const settle = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    now: () => now,
    wallNow: () => epochMs + now,
    setTimeout(callback, ms) {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), callback });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
    pending: () => timers.size,
    settle,
    async advance(ms) {
      const target = now + ms;
      await settle();
      for (;;) {
        let dueId: number | undefined;
        let dueAt = Infinity;
        for (const [id, timer] of timers) {
          if (timer.at <= target && timer.at < dueAt) {
            dueAt = timer.at;
            dueId = id;
          }
        }
        if (dueId === undefined) break;
        const timer = timers.get(dueId)!;
        timers.delete(dueId);
        now = Math.max(now, timer.at);
        timer.callback();
        await settle();
      }
      now = target;
      await settle();
    }
  };
}
