/** What `setTimeout` returned; opaque to the caller, handed back to `clearTimeout`. */
export type TimerHandle = unknown;

/** One-shot timers a component schedules; tests pass `ManualTimers` from `@baa/clock/testing`. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Node's timers: a pending one keeps the process alive. */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined)
};

/**
 * Node's timers, unref'd: for background work (retries, loops, sweeps) whose pending timer alone
 * must not keep a process alive after its stop.
 */
export const backgroundTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined)
};
