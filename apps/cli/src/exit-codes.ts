/** What `baa` exits with; documented in docs/runtime/cli.md. */
export const ExitCode = Object.freeze({
  /** Done; a followed turn completed, a followed task succeeded, landed or waits in review. */
  ok: 0,
  /** The work ended badly: a turn failed or was interrupted, a task failed, was cancelled, timed out or discarded. */
  workFailed: 1,
  /** Bad command line or configuration. */
  usage: 2,
  /** The conductor could not be reached (refused, timed out, connection lost). */
  unreachable: 3,
  /** The conductor refused the request (4xx: bad input, unknown id, conflict, no token). */
  refused: 4,
  /** The conductor or codexd failed (5xx, e.g. codexd_unavailable). */
  serverError: 5
});

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure that ends the command with a given exit code and a one-line message. */
export class CliError extends Error {
  readonly exitCode: ExitCodeValue;
  /** The API's error code, when the conductor sent one. */
  readonly code: string | undefined;
  readonly status: number | undefined;

  constructor(
    exitCode: ExitCodeValue,
    message: string,
    details: { code?: string; status?: number; cause?: unknown } = {}
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "CliError";
    this.exitCode = exitCode;
    this.code = details.code;
    this.status = details.status;
  }
}
