import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type Service = "conductor" | "codexd" | "status-api";
export interface FuzzRoute {
  service: Service;
  method: string;
  path: string;
}

const DOCS = fileURLToPath(new URL("../../../docs/api/README.md", import.meta.url));
const ERRORS = fileURLToPath(new URL("../../../docs/api/errors.md", import.meta.url));

/**
 * Every route of every service as docs/api/README.md lists them (the docs-coverage test keeps
 * that list complete), plus `/metrics` and `/openapi.json`. `ANY /v1/codex/*` stands for the
 * conductor's proxied routes, passed in (`CODEX_ROUTES`).
 */
export function documentedRoutes(proxied: readonly { method: string; path: string }[]): FuzzRoute[] {
  const routes: FuzzRoute[] = [];
  let service: Service | undefined;
  for (const line of readFileSync(DOCS, "utf8").split("\n")) {
    if (/^## Conductor routes/.test(line)) service = "conductor";
    else if (/^## codexd routes/.test(line)) service = "codexd";
    else if (/^## status-api routes/.test(line)) service = "status-api";
    else if (/^## /.test(line)) service = undefined;
    const match = /^#{3,4} (GET|POST|PUT|DELETE|PATCH|WS|ANY) (\/\S*)/.exec(line);
    if (match === null || service === undefined) continue;
    const [, method, path] = match as unknown as [string, string, string];
    if (method === "ANY") {
      for (const route of proxied) routes.push({ service, method: route.method, path: route.path });
      continue;
    }
    routes.push({ service, method, path });
  }
  for (const s of ["conductor", "codexd", "status-api"] as const) {
    routes.push(
      { service: s, method: "GET", path: "/metrics" },
      { service: s, method: "GET", path: "/openapi.json" }
    );
  }
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = `${r.service} ${r.method} ${r.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The codes docs/api/errors.md documents with status 503. */
export function documented503Codes(): Set<string> {
  const codes = new Set<string>();
  for (const match of readFileSync(ERRORS, "utf8").matchAll(/^\| `([a-z_]+)` \| 503 \|/gm))
    codes.add(match[1]!);
  return codes;
}
