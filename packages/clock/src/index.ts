export { type Clock, systemClock } from "./clock.js";
export { type ClockTimers, systemClockTimers } from "./clock-timers.js";
export { backgroundTimers, systemTimers, type TimerHandle, type Timers } from "./timers.js";
