export { AppError, isAppError, errorBody, type ErrorBody } from "./app-error.js";
export { CommonErrorCodes, defineErrors, type ErrorCodeTable } from "./error-codes.js";
export { parseInput, invalidInput, zodValidatorCompiler } from "./validation.js";
export { installErrorHandling } from "./fastify-error-handler.js";
export { installJsonBodyParser } from "./json-body-parser.js";
export { installShutdownGate, shuttingDownError } from "./shutdown-gate.js";
export { WsCloseCodes, MAX_CLOSE_REASON_BYTES, closeReason, closeStreamsGoingAway } from "./ws-close.js";
