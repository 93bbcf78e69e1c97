import { toForgeError } from "./forge-error.js";
import type { ForgeLogger } from "./logger.js";

/** Per-request options octokit accepts under `request`; the signal bounds a call with its retries. */
export interface RequestOptions {
  signal: AbortSignal;
}

export type ForgeCall = <T>(operation: string, send: (request: RequestOptions) => Promise<T>) => Promise<T>;

/**
 * Runs one octokit call under a deadline (retries and rate-limit waits included) and turns any
 * failure into a ForgeError, logged at debug with its status and never with the token.
 */
export function forgeCall(settings: { token: string; timeoutMs: number; logger: ForgeLogger }): ForgeCall {
  return async (operation, send) => {
    try {
      return await send({ signal: AbortSignal.timeout(settings.timeoutMs) });
    } catch (thrown) {
      const error = toForgeError(thrown, operation, settings.token);
      settings.logger.debug(
        { operation, status: error.status, requestId: error.requestId },
        "github call failed"
      );
      throw error;
    }
  };
}
