import { CommonErrorCodes, defineErrors } from "@baa/api-errors";
import { BrowserGuardErrorCodes } from "@baa/http-guard";

/** Every code codexd answers with, and its HTTP status; docs/api/errors.md lists them all. */
export const CodexdErrorCodes = {
  ...CommonErrorCodes,
  ...BrowserGuardErrorCodes,
  session_not_found: 404,
  thread_not_found: 404,
  thread_in_use: 409,
  session_closed: 409,
  session_failed: 409,
  turn_in_progress: 409,
  no_turn_in_progress: 409,
  approval_not_found: 404,
  approval_gone: 410,
  too_many_requests: 429,
  child_unavailable: 503,
  app_server_error: 502,
  app_server_timeout: 504,
  shutting_down: 503,
  state_write_failed: 503
} as const;

export type CodexdErrorCode = keyof typeof CodexdErrorCodes;

export const codexdError = defineErrors(CodexdErrorCodes);
