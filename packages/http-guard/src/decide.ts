import type { BrowserGuardErrorCode } from "./error-codes.js";
import { corsHeaders, preflightHeaders } from "./cors.js";
import { findForwardingHeader } from "./forwarding.js";
import { isOwnHost, type OwnHosts } from "./host-names.js";
import { classifyOrigin } from "./origins.js";

/** Token-based access: who may skip the token, and whether a header carries it. */
export interface TokenAuth {
  /** True for a peer that needs no token by its address alone (loopback, trusted networks). */
  isTrustedPeer(remoteAddress: string | undefined): boolean;
  hasValidToken(authorization: string | undefined): boolean;
}

/** Everything the decision depends on, fixed per service. */
export interface GuardPolicy {
  own: OwnHosts;
  /** Serialized origins (see `parseAllowedOrigin`) that get CORS answers. */
  allowedOrigins: ReadonlySet<string>;
  /** Paths open to everyone (probes): no Host check, no token. The Origin check still applies. */
  openPaths: ReadonlySet<string>;
  /** Absent for a service without a token (codexd): proxy headers are then refused outright. */
  auth?: TokenAuth;
  /**
   * Exact `METHOD /path` routes whose handler authenticates every request itself from its body
   * (a webhook's HMAC signature) before acting and refuses it otherwise: the guard passes them
   * untouched (no Host, Origin, proxy or token check, and no CORS headers), because the sender
   * (GitHub) can send neither our token nor our Host. Nothing else is exempt.
   */
  selfAuthenticating?: ReadonlySet<string>;
}

/** The parts of a request the guard reads; header names lower-case. */
export interface GuardRequest {
  method: string;
  /** Path without the query. */
  path: string;
  remoteAddress: string | undefined;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export type GuardDecision =
  | { action: "allow"; headers: Record<string, string> }
  | { action: "preflight"; headers: Record<string, string> }
  | { action: "refuse"; code: BrowserGuardErrorCode; message: string; headers: Record<string, string> };

/**
 * Decides one request (HTTP or WebSocket upgrade), in this order: a foreign `Origin` is refused;
 * a configured origin's preflight is answered; outside the open paths, a `Host` that is not one
 * of the service's names is refused unless the request carries the valid token; proxy headers
 * make a trusted peer untrusted (refused outright without a token mechanism); an untrusted peer
 * needs the token.
 */
export function decideAccess(request: GuardRequest, policy: GuardPolicy): GuardDecision {
  if (policy.selfAuthenticating?.has(`${request.method} ${request.path}`)) {
    return { action: "allow", headers: NO_HEADERS };
  }
  const host = single(request.headers.host);
  const origin = single(request.headers.origin);
  const verdict = classifyOrigin(origin, host, policy.own, policy.allowedOrigins);
  const cors =
    verdict === "allowed" && origin !== undefined ? corsHeaders(new URL(origin).origin) : NO_HEADERS;

  if (verdict === "foreign") {
    return refuse(
      "origin_not_allowed",
      `Origin ${JSON.stringify(origin)} is not allowed; list it in BAA_ALLOWED_ORIGINS to let pages from it call this service`
    );
  }
  if (
    verdict === "allowed" &&
    request.method === "OPTIONS" &&
    request.headers["access-control-request-method"] !== undefined
  ) {
    return { action: "preflight", headers: preflightHeaders(cors["access-control-allow-origin"] as string) };
  }
  const auth = policy.auth;
  const tokenValid = auth?.hasValidToken(single(request.headers.authorization)) ?? false;
  if (policy.openPaths.has(request.path)) return { action: "allow", headers: cors };
  if (!tokenValid && !isOwnHost(host, policy.own)) {
    const remedy =
      auth === undefined
        ? "list it in BAA_ALLOWED_HOSTS"
        : "list it in BAA_ALLOWED_HOSTS or send the bearer token";
    return refuse(
      "host_not_allowed",
      `Host ${JSON.stringify(host ?? "")} is not one of this service's names; ${remedy}`,
      cors
    );
  }
  const proxyHeader = findForwardingHeader(request.headers);
  if (auth === undefined) {
    if (proxyHeader !== undefined) {
      return refuse(
        "forwarded_request_refused",
        `the request came through a proxy (${proxyHeader} header); this service only serves direct loopback clients`,
        cors
      );
    }
    return { action: "allow", headers: cors };
  }
  if (tokenValid) return { action: "allow", headers: cors };
  if (proxyHeader === undefined && auth.isTrustedPeer(request.remoteAddress))
    return { action: "allow", headers: cors };
  // Says nothing about why: a wrong token, a missing one and a proxied peer look the same.
  return refuse("unauthorized", "missing or invalid bearer token", cors);
}

// Shared by every decision without CORS headers; never written to.
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

// A configured origin gets its CORS headers on refusals too, so its page can read the reason.
function refuse(
  code: BrowserGuardErrorCode,
  message: string,
  headers: Record<string, string> = NO_HEADERS
): GuardDecision {
  return { action: "refuse", code, message, headers };
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
