import { isOwnHost, parseHostName, type OwnHosts } from "./host-names.js";

/**
 * How a request's `Origin` relates to the service: `absent` (curl, SDKs, same-origin GETs),
 * `own` (a page served from one of the service's own names), `allowed` (configured), `foreign`.
 */
export type OriginVerdict = "absent" | "own" | "allowed" | "foreign";

/**
 * Normalizes a configured origin (`BAA_ALLOWED_ORIGINS`) to its serialized form
 * (`https://dash.example`, default port dropped); throws naming the entry when it is not an
 * http(s) origin without path, query or credentials.
 */
export function parseAllowedOrigin(entry: string): string {
  const origin = serializeOrigin(entry.trim());
  if (origin === undefined) {
    throw new Error(`not an origin (scheme://host[:port], http or https, no path): ${JSON.stringify(entry)}`);
  }
  return origin;
}

/**
 * Classifies an `Origin` header. `own` means the same authority as the request's `Host` (the
 * Host check decides whether that name is acceptable), or an http origin on one of the
 * service's own names (a page on `localhost:PORT` calling `127.0.0.1:PORT`).
 */
export function classifyOrigin(
  origin: string | undefined,
  hostHeader: string | undefined,
  own: OwnHosts,
  allowedOrigins: ReadonlySet<string>
): OriginVerdict {
  if (origin === undefined) return "absent";
  const serialized = serializeOrigin(origin);
  // `null` (sandboxed frames, file: pages) and anything malformed are foreign.
  if (serialized === undefined) return "foreign";
  if (allowedOrigins.has(serialized)) return "allowed";
  const url = new URL(serialized);
  const host = hostHeader === undefined ? undefined : parseHostName(hostHeader);
  if (host !== undefined) {
    const defaultPort = url.protocol === "https:" ? 443 : 80;
    const originPort = url.port === "" ? defaultPort : Number(url.port);
    if (hostnameOf(url) === host.hostname && originPort === (host.port ?? defaultPort)) return "own";
  }
  if (url.protocol === "http:" && isOwnHost(url.host, own)) return "own";
  return "foreign";
}

function serializeOrigin(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") return undefined;
  if (url.pathname !== "/") return undefined;
  return url.origin;
}

function hostnameOf(url: URL): string {
  const name = url.hostname.toLowerCase();
  return name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
}
