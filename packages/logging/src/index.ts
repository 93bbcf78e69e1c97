export {
  REDACTED_PATHS,
  createServiceLogger,
  createSilentLogger,
  type ServiceLoggerOptions
} from "./logger.js";
