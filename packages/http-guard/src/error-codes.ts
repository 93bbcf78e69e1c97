/**
 * The codes the browser guard refuses with, and their HTTP statuses. Each service spreads this
 * table into its own `errors.ts`, so the guard's `fail` can only name codes the service has.
 */
export const BrowserGuardErrorCodes = {
  /** The `Host` header is not one of the service's names (DNS rebinding). */
  host_not_allowed: 421,
  /** The `Origin` header is neither the service's own origin nor a configured one. */
  origin_not_allowed: 403,
  /** Proxy headers on a service that only serves direct clients and has no token. */
  forwarded_request_refused: 403,
  /** No valid bearer token where one is required. */
  unauthorized: 401
} as const;

export type BrowserGuardErrorCode = keyof typeof BrowserGuardErrorCodes;
