import { CommonErrorCodes, defineErrors } from "@baa/api-errors";
import { BrowserGuardErrorCodes } from "@baa/http-guard";

/** Every code status-api answers with, and its HTTP status. */
export const StatusApiErrorCodes = {
  ...CommonErrorCodes,
  ...BrowserGuardErrorCodes,
  conductor_bad_gateway: 502,
  conductor_unavailable: 503,
  conductor_timeout: 504
} as const;

export type StatusApiErrorCode = keyof typeof StatusApiErrorCodes;

/** Builds an AppError whose status comes from the table. */
export const statusApiError = defineErrors(StatusApiErrorCodes);
