import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { TrustedNetworks } from "@baa/net-trust";
import { conductorError } from "./errors.js";

/** Paths anyone may read: liveness, readiness and role carry no secrets. */
export const OPEN_PATHS: ReadonlySet<string> = new Set(["/healthz", "/readyz", "/rolez"]);

/** Decides whether a request may use the API. */
export interface AccessPolicy {
  /** True when the peer needs no token (loopback or a trusted network). */
  isTrusted(remoteAddress: string | undefined): boolean;
  /** True when the Authorization header carries the shared token. */
  hasValidToken(authorization: string | undefined): boolean;
}

export function createAccessPolicy(options: {
  token: string;
  trustedCidrs?: readonly string[];
  /** Replaces the address check (tests run on loopback). */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
}): AccessPolicy {
  const networks = new TrustedNetworks(options.trustedCidrs ?? []);
  // Comparing digests keeps the comparison constant-time and equal-length whatever was sent.
  const expected = digest(options.token);
  return {
    isTrusted: options.isTrustedAddress ?? ((address) => networks.has(address)),
    hasValidToken(authorization) {
      const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
      if (match?.[1] === undefined) return false;
      return timingSafeEqual(digest(match[1]), expected);
    }
  };
}

/**
 * Rejects every request outside OPEN_PATHS (HTTP and WebSocket upgrades alike) from an
 * untrusted peer without the right bearer token; the 401 says nothing about why.
 */
export function installAccessControl(app: FastifyInstance, policy: AccessPolicy): void {
  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?", 1)[0] ?? "";
    if (OPEN_PATHS.has(path)) return;
    if (policy.isTrusted(request.ip)) return;
    if (policy.hasValidToken(request.headers.authorization)) return;
    // Who was refused and where; never the header itself.
    request.log.warn({ remoteAddress: request.ip, method: request.method, path }, "refused: missing or invalid bearer token");
    throw conductorError("unauthorized", "missing or invalid bearer token");
  });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
