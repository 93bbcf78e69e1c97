import { isIP } from "node:net";

/** True for names and addresses that can only reach this machine. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const lower = bare.toLowerCase();
  if (lower === "localhost" || lower.endsWith(".localhost")) return true;
  return isLoopbackAddress(lower);
}

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.x.y.z). */
export function isLoopbackAddress(address: string): boolean {
  const lower = address.toLowerCase();
  if (lower === "::1") return true;
  const v4 = lower.startsWith("::ffff:") ? lower.slice(7) : lower;
  return isIP(v4) === 4 && v4.startsWith("127.");
}
