export { ManualTimers } from "./manual-timers.js";
