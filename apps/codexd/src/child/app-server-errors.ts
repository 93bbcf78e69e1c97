import { AppServerExitedError, AppServerTimeoutError, JsonRpcError } from "@baa/app-server-client";
import type { AppError } from "@baa/api-errors";
import { codexdError } from "../errors.js";

/** Maps app-server failures onto codexd's codes; the app-server message is kept, it is not secret. */
export async function callAppServer<T>(call: () => Promise<T>, method: string): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toAppError(error, method);
  }
}

// app-server answers -32600 when the turn it was asked about is no longer running.
export function noActiveTurnOr(error: unknown, method: string, sessionId: string): AppError {
  if (error instanceof JsonRpcError && error.code === -32600) {
    return codexdError(
      "no_turn_in_progress",
      `session ${sessionId} has no running turn (${error.rpcMessage})`
    );
  }
  return toAppError(error, method);
}

// codex 0.169 answers thread/resume of a thread it has no rollout for (never existed, or never
// ran a turn, so nothing was written) with -32600 "no rollout found for thread id …", and of an
// id that is not a UUID with -32600 "invalid session id: …". Other -32600s stay app_server_error.
const UNKNOWN_THREAD = /^(no rollout found for thread id|invalid session id)\b/;

/** thread/resume's "codex does not know this thread" as `thread_not_found`; anything else as usual. */
export function unknownThreadOr(error: unknown, threadId: string): AppError {
  if (error instanceof JsonRpcError && error.code === -32600 && UNKNOWN_THREAD.test(error.rpcMessage)) {
    return codexdError("thread_not_found", `codex does not know thread ${threadId} (${error.rpcMessage})`, {
      cause: error
    });
  }
  return toAppError(error, "thread/resume");
}

function toAppError(error: unknown, method: string): AppError {
  if (error instanceof AppServerTimeoutError) {
    return codexdError("app_server_timeout", `codex app-server did not answer ${method} in time`, {
      cause: error
    });
  }
  if (error instanceof AppServerExitedError) {
    return codexdError("child_unavailable", `codex app-server exited during ${method}`, {
      cause: error,
      headers: { "retry-after": "1" }
    });
  }
  if (error instanceof JsonRpcError) {
    return codexdError("app_server_error", `codex app-server rejected ${method}: ${error.message}`, {
      cause: error
    });
  }
  if (error instanceof Error && error.name === "AppError") return error as AppError;
  return codexdError(
    "app_server_error",
    `codex app-server failed ${method}: ${(error as Error)?.message ?? String(error)}`,
    {
      cause: error
    }
  );
}
