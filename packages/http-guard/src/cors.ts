/** Methods and request headers a configured origin may use. */
export const CORS_ALLOWED_METHODS = "GET, POST, OPTIONS";
export const CORS_ALLOWED_HEADERS = "authorization, content-type";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/** Headers on an answer to a configured origin: it may read the answer, nothing more (no cookies). */
export function corsHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": "retry-after",
    vary: "Origin"
  };
}

/** Headers of a `204` answer to a configured origin's preflight. */
export function preflightHeaders(origin: string): Record<string, string> {
  return {
    "access-control-allow-origin": origin,
    "access-control-allow-methods": CORS_ALLOWED_METHODS,
    "access-control-allow-headers": CORS_ALLOWED_HEADERS,
    "access-control-max-age": PREFLIGHT_MAX_AGE_SECONDS,
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
  };
}
