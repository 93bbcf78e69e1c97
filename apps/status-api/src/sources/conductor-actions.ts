import { statusApiError } from "../errors.js";
import type { ConductorToken } from "./conductor-token.js";
import type { HttpClient } from "./http-client.js";

export interface ForwardedReply {
  status: number;
  /** The conductor's JSON text, passed through as it is. */
  text: string;
}

/**
 * Sends one action to the conductor with the node's token and returns its answer unchanged
 * (its error envelope included). A conductor that cannot be reached, does not answer in time or
 * answers with something that is not JSON becomes our own 503, 504 or 502.
 */
export async function forwardToConductor(
  http: HttpClient,
  options: { baseUrl: string; token: ConductorToken; timeoutMs: number },
  action: { method: "POST"; path: string; body: unknown }
): Promise<ForwardedReply> {
  let headers: Record<string, string>;
  try {
    headers = options.token.headers();
  } catch (error) {
    throw statusApiError("conductor_unavailable", "the conductor's token file cannot be read", { cause: error });
  }
  const outcome = await http({
    url: `${options.baseUrl}${action.path}`,
    method: action.method,
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(action.body ?? {}),
    timeoutMs: options.timeoutMs
  });
  if (!outcome.ok) {
    if (outcome.kind === "timeout") throw statusApiError("conductor_timeout", `the conductor did not answer ${action.method} ${action.path} in time`);
    if (outcome.kind === "bad_response") throw statusApiError("conductor_bad_gateway", `the conductor ${outcome.message}`);
    throw statusApiError("conductor_unavailable", `the conductor is not reachable at ${options.baseUrl} (${outcome.message})`);
  }
  if (outcome.status === 401) options.token.invalidate();
  return { status: outcome.status, text: outcome.text };
}
