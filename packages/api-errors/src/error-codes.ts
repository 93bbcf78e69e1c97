import { AppError } from "./app-error.js";

/** Codes shared by every service's HTTP layer; each service adds its own in its errors.ts. */
export const CommonErrorCodes = {
  bad_request: 400,
  invalid_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  route_not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  service_unavailable: 503,
  /** The service is stopping; sent with `Retry-After` and `Connection: close`. */
  shutting_down: 503,
  internal: 500
} as const;

export type ErrorCodeTable = Readonly<Record<string, number>>;

/**
 * Binds a code table to a factory so a call site names a code and a message and the status
 * always comes from the table.
 */
export function defineErrors<T extends ErrorCodeTable>(table: T) {
  return function fail(
    code: keyof T & string,
    message: string,
    options?: { cause?: unknown; headers?: Record<string, string> }
  ): AppError {
    return new AppError(code, table[code] ?? 500, message, options);
  };
}
