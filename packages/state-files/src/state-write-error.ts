import { basename } from "node:path";

/**
 * A state write that did not happen (full disk, read-only mount, …). Whoever was about to
 * report something as saved must not: the message names the files and the cause.
 */
export class StateWriteError extends Error {
  /** The errno code of the first failure (`ENOSPC`, …), or null when it had none. */
  readonly code: string | null;

  constructor(
    readonly files: readonly string[],
    cause: unknown
  ) {
    const code = errnoCode(cause);
    super(`could not write ${files.map((f) => basename(f)).join(", ")} (${describeError(cause)})`, { cause });
    this.name = "StateWriteError";
    this.code = code;
  }
}

export function errnoCode(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : null;
}

/** One line for a log or a status: the errno message when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
