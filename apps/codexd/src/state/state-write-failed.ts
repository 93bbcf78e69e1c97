import { StateWriteError } from "@baa/state-files";
import { codexdError } from "../errors.js";

/**
 * Turns a StateWriteError into the 503 `state_write_failed` answer; anything else is rethrown
 * as is. Use where a success answer would claim something was saved.
 */
export function asStateWriteFailed(error: unknown, what: string): never {
  if (error instanceof StateWriteError) {
    throw codexdError(
      "state_write_failed",
      `${what}: ${error.message}; nothing was saved. Free space (or fix the mount) and retry`,
      {
        headers: { "retry-after": "5" },
        cause: error
      }
    );
  }
  throw error;
}

/** Runs `write`, answering 503 `state_write_failed` when it throws a StateWriteError. */
export async function requireSaved<T>(what: string, write: () => Promise<T> | T): Promise<T> {
  try {
    return await write();
  } catch (error) {
    return asStateWriteFailed(error, what);
  }
}
