/** JSON-RPC error codes the client produces or reacts to. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** app-server is overloaded; the request was not processed and may be retried. */
  ServerOverloaded: -32001
} as const;

/**
 * A JSON-RPC error: either received from app-server (the request failed) or thrown by a
 * server-request handler (then sent back as the `error` of the response).
 */
export class JsonRpcError extends Error {
  override readonly name = "JsonRpcError";
  readonly code: number;
  readonly data: unknown;
  /** The request method that failed, when the error came back for one of ours. */
  readonly method: string | undefined;
  /** The message as it appears on the wire (`message` may carry the method as a prefix). */
  readonly rpcMessage: string;

  constructor(code: number, message: string, data?: unknown, method?: string) {
    super(method === undefined ? message : `${method}: ${message}`);
    this.code = code;
    this.data = data;
    this.method = method;
    this.rpcMessage = message;
  }

  /** The `error` object of a JSON-RPC response. */
  toJSON(): { code: number; message: string; data?: unknown } {
    return this.data === undefined
      ? { code: this.code, message: this.rpcMessage }
      : { code: this.code, message: this.rpcMessage, data: this.data };
  }
}

/** A request got no response within its timeout. */
export class AppServerTimeoutError extends Error {
  override readonly name = "AppServerTimeoutError";
  constructor(
    readonly method: string,
    readonly timeoutMs: number
  ) {
    super(`app-server request ${method} timed out after ${timeoutMs} ms`);
  }
}

/** The app-server child exited or closed its stdout; no request can be answered any more. */
export class AppServerExitedError extends Error {
  override readonly name = "AppServerExitedError";
  constructor(
    readonly code: number | null,
    readonly signal: string | null,
    /** The last few KiB the child wrote to stderr, which usually say why it died. */
    readonly stderrTail = ""
  ) {
    // codex colours its stderr log even into a pipe; escapes would only clutter the message.
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the ANSI colour codes removed here.
    const tail = stderrTail.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trim();
    super(
      `codex app-server exited (code ${code ?? "none"}, signal ${signal ?? "none"})` +
        (tail === "" ? "" : `; stderr: ${tail.slice(-500)}`)
    );
  }
}

/** A request was made after `close()` was called. */
export class AppServerClosedError extends Error {
  override readonly name = "AppServerClosedError";
  constructor(readonly method: string) {
    super(`app-server client is closed; cannot send ${method}`);
  }
}

/** A line on stdout was JSON but not a valid JSON-RPC message, or answered an unknown request. */
export class AppServerProtocolError extends Error {
  override readonly name = "AppServerProtocolError";
}

/** The `error` member of a response answering with `error`: a {@link JsonRpcError} as is, anything else as -32603. */
export function toJsonRpcErrorObject(error: unknown): { code: number; message: string; data?: unknown } {
  if (error instanceof JsonRpcError) {
    return error.toJSON();
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { code: JsonRpcErrorCode.InternalError, message: `internal error: ${detail}` };
}
