export { installHttpMetrics } from "./http-metrics.js";
export { registerMetricsRoute } from "./metrics-route.js";
export {
  installOpenApi,
  websocketSchema,
  WEBSOCKET_EXTENSION,
  type BearerAccess,
  type ExtraOperation,
  type OpenApiOptions
} from "./openapi.js";
export type { ZodTypeProvider } from "fastify-type-provider-zod";
export { zodRoutes, zodSchemaController } from "./zod-routes.js";
export { lazyChildLoggerFactory } from "./lazy-child-logger.js";
