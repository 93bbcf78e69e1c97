export { exitAfter } from "./exit-after.js";
export { runInForeground, type ForegroundOptions, type ForegroundService } from "./foreground.js";
export {
  waitForShutdown,
  type ShutdownLogger,
  type ShutdownOptions,
  type SignalSource,
  type TerminationSignal
} from "./shutdown.js";
export { trackConnections, type ConnectionSource, type ServerCloser } from "./server-closer.js";
