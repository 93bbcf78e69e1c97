/** A failure with a stable string code and the HTTP status it maps to. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    code: string,
    status: number,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}

/** The error body every service answers with. */
export interface ErrorBody {
  ok: false;
  error: { code: string; message: string };
}

export function errorBody(code: string, message: string): ErrorBody {
  return { ok: false, error: { code, message } };
}
