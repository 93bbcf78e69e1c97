import {
  InvalidCursorError,
  QueueFullError,
  StoreUnavailableError,
  UnknownDependencyError
} from "./control-store.js";

/** Errors that mean something to the caller pass through; anything from the driver means the store is unavailable. */
export function toStoreError(error: unknown, operation: string): Error {
  if (
    error instanceof QueueFullError ||
    error instanceof UnknownDependencyError ||
    error instanceof InvalidCursorError ||
    error instanceof StoreUnavailableError ||
    error instanceof TypeError
  ) {
    return error;
  }
  return new StoreUnavailableError(`${operation}: the control store failed (${describe(error)})`, {
    cause: error
  });
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/** PostgreSQL asks to run the transaction again (deadlock detected, serialization failure). */
export function isRetryableConflict(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "40P01" || code === "40001";
}
