export { installHttpMetrics } from "./http-metrics.js";
export { registerMetricsRoute } from "./metrics-route.js";
export { lazyChildLoggerFactory } from "./lazy-child-logger.js";
