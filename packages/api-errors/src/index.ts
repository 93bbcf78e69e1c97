export { AppError, isAppError, errorBody, type ErrorBody } from "./app-error.js";
export { CommonErrorCodes, defineErrors, type ErrorCodeTable } from "./error-codes.js";
export { parseInput, invalidInput, zodValidatorCompiler } from "./validation.js";
export { installErrorHandling } from "./fastify-error-handler.js";
