import type { RecordedRequest } from "./request-view.js";

/** Answers with one assistant message; `chunks` splits it into that many deltas. */
export interface TextReply {
  kind: "text";
  text: string;
  /** Number of `response.output_text.delta` events (default 1). */
  chunks?: number;
  /** Pause between two deltas (default 0). */
  delayMsBetweenChunks?: number;
}

/** Answers with one `function_call` output item, which makes codex run the tool and POST again. */
export interface ToolCallReply {
  kind: "tool_call";
  /** Tool name; codex 0.169's shell tool is `exec_command`. */
  name?: "exec_command";
  /** Tool arguments, e.g. `{cmd: "echo hi", workdir?, sandbox_permissions?, justification?}`. */
  arguments: object;
  /** Defaults to a fresh unique id. */
  callId?: string;
}

/** Sends `response.created`, then keeps the stream open until the client leaves or `close()`. */
export interface HangReply {
  kind: "hang";
}

/** One assistant message delivered in several deltas spread over about `totalMs`. */
export interface SlowTextReply {
  kind: "slow_text";
  text: string;
  totalMs: number;
}

/** A plain HTTP error; an object `body` is sent as JSON, a string as is. */
export interface HttpErrorReply {
  kind: "http_error";
  status: number;
  body?: string | object;
}

/** HTTP 503 `{error:{code:"server_is_overloaded"}}`, which codex maps to its ServerOverloaded error. */
export interface OverloadedReply {
  kind: "overloaded";
}

/**
 * HTTP 429 `{error:{type:"usage_limit_reached", resets_at}}`: the account's usage limit. Codex
 * 0.169 fails the turn at once with `codexErrorInfo: "usageLimitExceeded"` and a message that
 * ends "try again at 9:21 AM" (the reset in local time); it is not retried.
 */
export interface UsageLimitReply {
  kind: "usage_limit";
  /** Unix seconds of the reset (default: an hour after the request). */
  resetsAt?: number;
  /** Plan named in the body (default "plus"). */
  planType?: string;
}

/** One answer to one `POST /v1/responses`. */
export type Reply =
  | TextReply
  | ToolCallReply
  | HangReply
  | SlowTextReply
  | HttpErrorReply
  | OverloadedReply
  | UsageLimitReply;

/** Picks the reply for a request when the queue is empty. */
export type ReplyFactory = (request: RecordedRequest) => Reply;

/** The default answer: `mock reply to: <last user text>`. */
export const echoReply: ReplyFactory = (request) => ({
  kind: "text",
  text: `mock reply to: ${request.lastUserText ?? ""}`
});
