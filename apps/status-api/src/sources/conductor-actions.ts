import { statusApiError } from "../errors.js";
import type { ConductorToken } from "./conductor-token.js";
import type { HttpClient } from "./http-client.js";

export interface ForwardedReply {
  status: number;
  /** The conductor's JSON text, passed through as it is. */
  text: string;
}

/** One call to the conductor: a read (GET, no body) or an action (POST with a JSON body). */
export type ForwardedCall = { method: "GET"; path: string } | { method: "POST"; path: string; body: unknown };

/**
 * Sends one call to the conductor with the node's token and returns its answer unchanged
 * (its error envelope included). A conductor that cannot be reached, does not answer in time or
 * answers with something that is not JSON becomes our own 503, 504 or 502. `path` is built by
 * the routes from validated parts only; nothing from a request is appended here.
 */
export async function forwardToConductor(
  http: HttpClient,
  options: { baseUrl: string; token: ConductorToken; timeoutMs: number },
  call: ForwardedCall
): Promise<ForwardedReply> {
  let headers: Record<string, string>;
  try {
    headers = options.token.headers();
  } catch (error) {
    throw statusApiError("conductor_unavailable", "the conductor's token file cannot be read", {
      cause: error
    });
  }
  const outcome = await http({
    url: `${options.baseUrl}${call.path}`,
    method: call.method,
    ...(call.method === "POST"
      ? { headers: { ...headers, "content-type": "application/json" }, body: JSON.stringify(call.body ?? {}) }
      : { headers }),
    timeoutMs: options.timeoutMs
  });
  if (!outcome.ok) {
    const what = `${call.method} ${call.path.split("?")[0]}`;
    if (outcome.kind === "timeout")
      throw statusApiError("conductor_timeout", `the conductor did not answer ${what} in time`);
    if (outcome.kind === "bad_response")
      throw statusApiError("conductor_bad_gateway", `the conductor ${outcome.message}`);
    throw statusApiError(
      "conductor_unavailable",
      `the conductor is not reachable at ${options.baseUrl} (${outcome.message})`
    );
  }
  if (outcome.status === 401) options.token.invalidate();
  return { status: outcome.status, text: outcome.text };
}
