import { CommonErrorCodes, defineErrors } from "@baa/api-errors";
import { BrowserGuardErrorCodes } from "@baa/http-guard";

/** Every code the conductor answers with, and its HTTP status. */
export const ConductorErrorCodes = {
  ...CommonErrorCodes,
  ...BrowserGuardErrorCodes,
  unauthorized: 401,
  codexd_bad_gateway: 502,
  codexd_unavailable: 503,
  codexd_timeout: 504,
  not_ready: 503,
  store_unavailable: 503,
  task_not_found: 404,
  run_not_found: 404,
  task_ended: 409,
  task_not_retryable: 409,
  queue_full: 429
} as const;

export type ConductorErrorCode = keyof typeof ConductorErrorCodes;

/** Builds an AppError whose status comes from the table. */
export const conductorError = defineErrors(ConductorErrorCodes);
