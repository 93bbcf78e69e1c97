import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createBearerCheck, installBrowserGuard, tokenProblem } from "@baa/http-guard";
import { isLoopbackAddress, TrustedNetworks } from "@baa/net-trust";
import type { StatusApiConfig } from "./config.js";
import { statusApiError } from "./errors.js";
import type { ConductorToken } from "./sources/conductor-token.js";

/** Paths anyone may read: liveness carries nothing. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz"]);

/**
 * The same guard as the conductor's, on every route: Host and Origin checks against DNS
 * rebinding and foreign pages, proxy headers make a loopback peer untrusted, and an untrusted
 * peer needs the node's token (the one status-api presents to the conductor). The page and
 * its actions are same-origin, so they pass without configuration.
 */
export function installAccess(
  app: FastifyInstance,
  options: {
    config: Pick<
      StatusApiConfig,
      "localApiBase" | "allowedHosts" | "allowedOrigins" | "trustedCidrs" | "trustLoopback"
    >;
    token: ConductorToken;
    logger: Logger;
    isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
  }
): void {
  const { config } = options;
  const networks = new TrustedNetworks(config.trustedCidrs);
  const isTrusted =
    options.isTrustedAddress ??
    ((address: string | undefined) =>
      address !== undefined && isLoopbackAddress(address) ? config.trustLoopback : networks.has(address));
  // The token may first appear when the conductor generates its file: check it per request.
  let checked: { token: string; check: (header: string | undefined) => boolean } | undefined;
  let unreadable = false;
  const hasValidToken = (header: string | undefined): boolean => {
    let token: string | undefined;
    try {
      token = options.token.get();
      unreadable = false;
    } catch (error) {
      // Said once until it reads again, not on every request.
      if (!unreadable)
        options.logger.warn(
          { err: error },
          "the conductor's token file cannot be read; no bearer token is accepted"
        );
      unreadable = true;
      return false;
    }
    if (token === undefined || tokenProblem(token) !== undefined) return false;
    if (checked?.token !== token) checked = { token, check: createBearerCheck(token) };
    return checked.check(header);
  };
  const url = new URL(config.localApiBase);
  installBrowserGuard(app, {
    listen: { host: url.hostname, port: url.port === "" ? 80 : Number(url.port) },
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
    openPaths: OPEN_PATHS,
    auth: { isTrustedPeer: isTrusted, hasValidToken },
    fail: (code, message) => statusApiError(code, message)
  });
}
