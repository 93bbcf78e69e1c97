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
  schedule_not_found: 404,
  run_not_found: 404,
  file_not_found: 404,
  node_unavailable: 503,
  node_not_found: 404,
  forward_loop: 508,
  task_ended: 409,
  task_not_retryable: 409,
  task_has_no_branch: 409,
  task_not_revisable: 409,
  task_not_landable: 409,
  task_not_discardable: 409,
  task_busy: 409,
  land_in_progress: 409,
  land_conflict: 409,
  task_not_queueable: 409,
  already_queued: 409,
  target_worktree_dirty: 409,
  target_moved: 409,
  push_rejected: 409,
  push_failed: 502,
  unknown_target: 400,
  unknown_remote: 400,
  forge_failed: 502,
  queue_full: 429
} as const;

export type ConductorErrorCode = keyof typeof ConductorErrorCodes;

/** Builds an AppError whose status comes from the table. */
export const conductorError = defineErrors(ConductorErrorCodes);
