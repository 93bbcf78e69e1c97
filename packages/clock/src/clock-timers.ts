import { type Clock, systemClock } from "./clock.js";
import { backgroundTimers, type Timers } from "./timers.js";

/** A clock and timers that agree: what a loop that waits and measures needs. */
export interface ClockTimers extends Clock, Timers {}

/** The system clock with background (unref'd) timers. */
export const systemClockTimers: ClockTimers = { ...systemClock, ...backgroundTimers };
