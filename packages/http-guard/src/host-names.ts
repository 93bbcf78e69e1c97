import { isIP } from "node:net";
import { isLoopbackHost } from "@baa/net-trust";

/** A `Host` header or an allow-list entry, split: lower-case name without brackets or a trailing dot. */
export interface HostName {
  hostname: string;
  /** Absent when the text named no port. */
  port: number | undefined;
}

// A name or an IPv4 address, or a bracketed IPv6 address, then an optional port; nothing else
// (no user info, path or spaces) is a valid Host.
const HOST_PATTERN = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_.])?))(?::(\d{1,5}))?$/i;

// Clients send the same few Host headers again and again; parsed ones are remembered (bounded).
const PARSED_CACHE_LIMIT = 64;
const parsedCache = new Map<string, Readonly<HostName> | undefined>();

/**
 * Parses `name`, `name:port`, `1.2.3.4:port` or `[::1]:port`; undefined when it is none of them.
 * The result is shared between calls with the same text: do not change it.
 */
export function parseHostName(text: string): Readonly<HostName> | undefined {
  if (parsedCache.has(text)) return parsedCache.get(text);
  const parsed = parseHostNameUncached(text);
  if (parsedCache.size >= PARSED_CACHE_LIMIT) parsedCache.clear();
  parsedCache.set(text, parsed === undefined ? undefined : Object.freeze(parsed));
  return parsed;
}

function parseHostNameUncached(text: string): HostName | undefined {
  const match = HOST_PATTERN.exec(text.trim());
  if (match === null) return undefined;
  const [, v6, name, portText] = match;
  if (v6 !== undefined && isIP(v6) !== 6) return undefined;
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && port > 65_535) return undefined;
  let hostname = (v6 ?? name ?? "").toLowerCase();
  if (hostname.endsWith(".") && hostname.length > 1) hostname = hostname.slice(0, -1);
  return { hostname, port };
}

/**
 * Checks an allow-list entry (`BAA_ALLOWED_HOSTS`); throws naming the entry when it is not a
 * host name with an optional port.
 */
export function parseAllowedHost(entry: string): HostName {
  const parsed = parseHostName(entry);
  if (parsed === undefined) throw new Error(`not a host name or host:port: ${JSON.stringify(entry)}`);
  return parsed;
}

/** What makes a `Host` one of the service's own names. */
export interface OwnHosts {
  /** The port the service listens on; loopback and listen-address names must carry it. */
  port: number;
  /** The listen address's host (`127.0.0.1`, `::`, `0.0.0.0`, a name). */
  listenHost: string;
  /** Extra names: `name` matches any port, `name:port` only that port. */
  allowedHosts: readonly HostName[];
  /** The machine's interface addresses; asked only when the listen address is a wildcard. */
  interfaceAddresses: () => readonly string[];
}

/** True for `0.0.0.0`, `::` and an empty host: the service answers on every interface. */
export function isWildcardHost(host: string): boolean {
  const bare = stripBrackets(host);
  return bare === "" || bare === "0.0.0.0" || bare === "::" || bare === "0:0:0:0:0:0:0:0";
}

/**
 * True when `hostHeader` names this service: a loopback name or address with its port, its
 * listen address with its port (every interface address when it listens on a wildcard), or an
 * allow-listed name. A missing or malformed header is not.
 */
export function isOwnHost(hostHeader: string | undefined, own: OwnHosts): boolean {
  if (hostHeader === undefined) return false;
  const host = parseHostName(hostHeader);
  if (host === undefined) return false;
  for (const entry of own.allowedHosts) {
    if (entry.hostname === host.hostname && (entry.port === undefined || entry.port === (host.port ?? 80)))
      return true;
  }
  // Without a port a browser means 80; the service's own names must carry its port.
  if ((host.port ?? 80) !== own.port) return false;
  if (isLoopbackHost(host.hostname)) return true;
  const listen = stripBrackets(own.listenHost).toLowerCase();
  if (!isWildcardHost(listen)) return host.hostname === listen;
  // An IP literal cannot be rebound: a page that sends it was loaded from that address, i.e. from us.
  if (isIP(host.hostname) === 0) return false;
  return own.interfaceAddresses().some((address) => normalizeAddress(address) === host.hostname);
}

function stripBrackets(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

// Interface addresses may carry a zone (`fe80::1%eth0`); a Host cannot.
function normalizeAddress(address: string): string {
  return address.split("%", 1)[0]?.toLowerCase() ?? "";
}
