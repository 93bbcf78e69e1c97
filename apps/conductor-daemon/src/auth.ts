import type { FastifyInstance } from "fastify";
import { createBearerCheck, installBrowserGuard, MIN_TOKEN_LENGTH, tokenProblem } from "@baa/http-guard";
import { isLoopbackAddress, TrustedNetworks } from "@baa/net-trust";
import type { ConductorConfig } from "./config.js";
import { conductorError } from "./errors.js";
import { GITHUB_HOOK_PATH } from "./github/hook-path.js";

/** Paths anyone may read: liveness, readiness and role carry no secrets. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/rolez"]);

/**
 * The one route whose access check is not the token but a signature over the body: GitHub's
 * webhook deliveries (`X-Hub-Signature-256`, HMAC with BAA_GITHUB_WEBHOOK_SECRET). Its handler
 * refuses (401) before anything else unless the signature verifies against the raw body bytes.
 */
export const SIGNED_ROUTES: ReadonlySet<string> = new Set([`POST ${GITHUB_HOOK_PATH}`]);

/** Decides whether a request may use the API. */
export interface AccessPolicy {
  /** True when the peer needs no token by its address (loopback unless distrusted, or a trusted network). */
  isTrusted(remoteAddress: string | undefined): boolean;
  /** True when the Authorization header carries the shared token. */
  hasValidToken(authorization: string | undefined): boolean;
  /** False when the token is too short to be accepted at all. */
  readonly tokenUsable: boolean;
}

export function createAccessPolicy(options: {
  token: string;
  trustedCidrs?: readonly string[];
  /** False: loopback peers need the token like anyone else (`BAA_TRUST_LOOPBACK=false`). */
  trustLoopback?: boolean;
  /** Replaces the address check (tests run on loopback). */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
}): AccessPolicy {
  const networks = new TrustedNetworks(options.trustedCidrs ?? []);
  const trustLoopback = options.trustLoopback ?? true;
  // The configuration refuses a short token from the environment; one passed in code (the
  // seed's placeholder) is kept but never accepted, so it cannot be guessed into access.
  const tokenUsable = tokenProblem(options.token) === undefined;
  const check = tokenUsable ? createBearerCheck(options.token) : () => false;
  return {
    isTrusted:
      options.isTrustedAddress ??
      ((address) =>
        address !== undefined && isLoopbackAddress(address) ? trustLoopback : networks.has(address)),
    hasValidToken: check,
    tokenUsable
  };
}

/**
 * Guards every request (HTTP and WebSocket upgrades, the proxy and the relay alike): the browser
 * guard's Host, Origin and proxy-header checks, then the token for any peer that is not trusted.
 * Outside OPEN_PATHS an untrusted peer without the right bearer token gets a 401 that says
 * nothing about why; who was refused is logged without the header.
 */
export function installAccessControl(
  app: FastifyInstance,
  policy: AccessPolicy,
  entry: Pick<ConductorConfig, "localApiBase" | "allowedHosts" | "allowedOrigins" | "nodeAddress">
): void {
  if (!policy.tokenUsable) {
    app.log.warn(
      { minLength: MIN_TOKEN_LENGTH },
      "shared token is too short: no bearer token is accepted, only trusted peers get in"
    );
  }
  const url = new URL(entry.localApiBase);
  installBrowserGuard(app, {
    listen: { host: url.hostname, port: url.port === "" ? 80 : Number(url.port) },
    allowedHosts: [...entry.allowedHosts, ...addressHost(entry.nodeAddress)],
    allowedOrigins: entry.allowedOrigins,
    openPaths: OPEN_PATHS,
    selfAuthenticating: SIGNED_ROUTES,
    auth: {
      isTrustedPeer: (address) => policy.isTrusted(address),
      hasValidToken: (header) => policy.hasValidToken(header)
    },
    fail: (code, message) => conductorError(code, message)
  });
}

/**
 * The Host other nodes send when they forward a request here: the address this node registered
 * (BAA_NODE_ADDRESS) is one of its names, whatever it listens on (`0.0.0.0` and a tailnet name).
 */
function addressHost(address: string | undefined): string[] {
  if (address === undefined) return [];
  const url = new URL(address);
  const port = url.port !== "" ? url.port : url.protocol === "https:" ? "443" : "80";
  return [`${url.hostname}:${port}`];
}
