export { waitForShutdown, type DeadlineTimers, type ShutdownLogger, type ShutdownOptions, type SignalSource, type TerminationSignal } from "./shutdown.js";
