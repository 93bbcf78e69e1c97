import type { HttpOutcome } from "./http-client.js";

/** Why a source or one of its parts could not be read; `code` is stable, `message` for people. */
export interface SourceError {
  code: "unreachable" | "timeout" | "bad_response" | "http_error" | "route_not_found" | "token_unreadable";
  message: string;
}

/** A part of a source: its value, or why it is missing (e.g. a route the service lacks). */
export type Part<T> = { available: true; value: T } | { available: false; error: SourceError };

type Envelope = { ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } };

/**
 * Reads the `data` of a `{ok:true,data}` answer, or explains what came instead. A 404
 * `route_not_found` means the service does not have this route (yet): its own code.
 */
export function readData(outcome: HttpOutcome, what: string): Part<unknown> {
  if (!outcome.ok)
    return { available: false, error: { code: outcome.kind, message: `${what}: ${outcome.message}` } };
  const body = outcome.json as Envelope | undefined;
  if (outcome.status === 200 && body?.ok === true && typeof body.data === "object" && body.data !== null) {
    return { available: true, value: body.data };
  }
  const code = typeof body?.error?.code === "string" ? body.error.code : undefined;
  if (outcome.status === 404 && code === "route_not_found") {
    return {
      available: false,
      error: { code: "route_not_found", message: `${what}: not served by this version` }
    };
  }
  const detail = code === undefined ? "" : ` ${code}`;
  return {
    available: false,
    error: { code: "http_error", message: `${what}: answered ${outcome.status}${detail}` }
  };
}
