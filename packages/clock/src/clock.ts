/** The time a component reads: one clock for deadlines, one for what people see. */
export interface Clock {
  /** Milliseconds on a clock that only moves forward (deadlines, waits, durations). */
  now(): number;
  /** Milliseconds since the epoch (timestamps shown to people and stored). */
  wallNow(): number;
}

/** The process's clocks: `performance.now()` and `Date.now()`. */
export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now()
};
