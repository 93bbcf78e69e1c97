export { installJsonBodyParser } from "./json-body-parser.js";
export { installShutdownGate, shuttingDownError } from "./shutdown-gate.js";
export { WsCloseCodes, MAX_CLOSE_REASON_BYTES, closeReason, closeStreamsGoingAway } from "./ws-close.js";
export { installOpenApi, websocketSchema } from "./openapi.js";
export {
  WEBSOCKET_EXTENSION,
  type BearerAccess,
  type ExtraOperation,
  type OpenApiOptions
} from "./openapi-options.js";
export type { ZodTypeProvider } from "fastify-type-provider-zod";
export { zodRoutes, zodSchemaController } from "./zod-routes.js";
export { FrameBatch, rawSocketOf, serverFrame, type RawSocket, type ServerFrame } from "./ws-frames.js";
