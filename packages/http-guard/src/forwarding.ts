/**
 * Headers a reverse proxy adds. A loopback peer that sends one of them is a proxy on this
 * machine (tailscale serve, caddy) relaying someone else, so it is not trusted as loopback.
 */
export const FORWARDING_HEADERS: readonly string[] = Object.freeze([
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-real-ip"
]);

/** The first proxy header present (lower-case), or undefined. */
export function findForwardingHeader(headers: Readonly<Record<string, unknown>>): string | undefined {
  for (const name of FORWARDING_HEADERS) {
    if (headers[name] !== undefined) return name;
  }
  return undefined;
}
