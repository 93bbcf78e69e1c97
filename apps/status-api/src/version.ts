import { readFileSync } from "node:fs";

/** status-api's own version, from its package.json (beside src/ and dist/). */
export function statusApiVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: unknown;
  };
  return typeof pkg.version === "string" ? pkg.version : "unknown";
}
