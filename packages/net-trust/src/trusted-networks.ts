import { BlockList, isIP } from "node:net";
import { isLoopbackAddress } from "./loopback.js";

/** A set of networks whose clients need no bearer token; loopback is always in it. */
export class TrustedNetworks {
  readonly #list = new BlockList();
  readonly cidrs: readonly string[];

  constructor(cidrs: readonly string[] = []) {
    this.cidrs = Object.freeze([...cidrs]);
    for (const cidr of cidrs) {
      const parsed = parseCidr(cidr);
      this.#list.addSubnet(parsed.network, parsed.prefix, parsed.family);
    }
  }

  has(address: string | undefined): boolean {
    if (address === undefined || address === "") return false;
    if (isLoopbackAddress(address)) return true;
    const v4Mapped = address.toLowerCase().startsWith("::ffff:") ? address.slice(7) : undefined;
    if (v4Mapped !== undefined && isIP(v4Mapped) === 4) return this.#list.check(v4Mapped, "ipv4");
    const family = isIP(address);
    if (family === 0) return false;
    return this.#list.check(address, family === 4 ? "ipv4" : "ipv6");
  }
}

/** Parses `10.0.0.0/8` or `fd7a::/48`; throws with the bad value in the message. */
export function parseCidr(cidr: string): { network: string; prefix: number; family: "ipv4" | "ipv6" } {
  const [network, prefixText] = cidr.trim().split("/");
  const family = network === undefined ? 0 : isIP(network);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (network === undefined || family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new Error(`not a CIDR: ${JSON.stringify(cidr)}`);
  }
  return { network, prefix, family: family === 4 ? "ipv4" : "ipv6" };
}
