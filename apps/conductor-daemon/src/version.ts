import { readFileSync } from "node:fs";

/** The conductor's own version, from its package.json (beside src/ and dist/). */
export function conductorVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
