// Keeps docs/ in step with the code: every error code (with its status), environment variable,
// CLI flag and route the services have must be documented. Needs a build (imports dist/).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { resolveCliConfig } from "../../apps/cli/dist/index.js";
import { CodexdErrorCodes, resolveCodexdConfig } from "../../apps/codexd/dist/index.js";
import {
  CODEX_ROUTES,
  ConductorErrorCodes,
  resolveConductorConfig
} from "../../apps/conductor-daemon/dist/index.js";
import { StatusApiErrorCodes, resolveStatusApiConfig } from "../../apps/status-api/dist/index.js";
import { CommonErrorCodes } from "../../packages/api-errors/dist/index.js";
import { buildServiceApps, type ServiceApp } from "../support/route-tables.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), "utf8");

function filesUnder(dir: string, pattern: RegExp): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory())
      return entry.name === "node_modules" || entry.name === "dist" ? [] : filesUnder(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

const appSources = readdirSync(join(root, "apps")).flatMap((app) =>
  filesUnder(join("apps", app, "src"), /\.ts$/)
);
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const allMatches = (text: string, re: RegExp): RegExpMatchArray[] => [...text.matchAll(re)];
/** Capture group `n` of a match; every group of the patterns here takes part in each match. */
const group = (match: RegExpMatchArray, n: number): string => {
  const value = match[n];
  assert.ok(value !== undefined, `group ${n} of ${match[0]}`);
  return value;
};
const missing = (names: Iterable<string>, present: (name: string) => boolean): string[] =>
  [...new Set(names)].filter((name) => !present(name)).sort();

test("every error code is in docs/api/errors.md with its HTTP status", () => {
  const doc = read("docs/api/errors.md");
  // `| \`code\` | 404 | ...` rows; the first number in the status cell is the status.
  const documented = new Map(
    allMatches(doc, /^\|\s*`([a-z_]+)`\s*\|\s*[^|\d]*(\d{3})/gm).map((row) => [
      group(row, 1),
      Number(group(row, 2))
    ])
  );
  const tables: Record<string, number>[] = [
    CommonErrorCodes,
    CodexdErrorCodes,
    ConductorErrorCodes,
    StatusApiErrorCodes
  ];
  // Plus codes the shared error handler sends without a table entry (its fallbacks).
  const handler = read("packages/api-errors/src/fastify-error-handler.ts");
  const sent = allMatches(handler, /errorBody\(\s*"([a-z_]+)"/g).map((m) => group(m, 1));
  const codes = [...tables.flatMap((table) => Object.keys(table)), ...sent];

  assert.deepEqual(
    missing(codes, (code) => documented.has(code)),
    [],
    "codes missing from docs/api/errors.md"
  );
  for (const table of tables) {
    for (const [code, status] of Object.entries(table)) {
      assert.equal(documented.get(code), status, `docs/api/errors.md gives ${code} the wrong status`);
    }
  }
});

test("every BAA_* environment variable is in docs/runtime/environment.md", () => {
  const doc = read("docs/runtime/environment.md");
  const sources = [...appSources, ...filesUnder("scripts", /\.mjs$/)].map(read).join("\n");
  // A name ends in a letter or digit: `BAA_CODEXD_*` in a comment is a prefix, not a variable.
  const names = allMatches(sources, /\bBAA_[A-Z0-9_]*[A-Z0-9]\b/g).map((m) => m[0]);
  assert.ok(names.length > 20, "found the variables");
  assert.deepEqual(
    missing(names, (name) => doc.includes(`\`${name}\``)),
    [],
    "variables missing from the table"
  );
});

test("every CLI flag of codexd and the conductor is in docs/runtime/", () => {
  const docs = filesUnder("docs/runtime", /\.md$/).map(read).join("\n");
  // codexd's SOURCES table has the same shape, plus its command flags (`--json`).
  const codexdConfig = read("apps/codexd/src/config.ts");
  const commandBlock = /const COMMAND_FLAGS = \{([\s\S]*?)\} as const/.exec(codexdConfig)?.[1] ?? "";
  const codexdFlags = [
    ...allMatches(codexdConfig, /\[\s*"([a-z-]+)",\s*"BAA_/g).map((m) => group(m, 1)),
    ...allMatches(commandBlock, /\b([a-z][a-z-]*)\s*:\s*\{/g).map((m) => group(m, 1))
  ];
  // The conductor's SOURCES table: key -> ["flag", "ENV"]; "" means env-only.
  const conductorFlags = allMatches(
    read("apps/conductor-daemon/src/config.ts"),
    /\[\s*"([a-z-]+)",\s*"BAA_/g
  ).map((m) => group(m, 1));
  // status-api's SOURCES table has the same shape.
  const statusApiFlags = allMatches(read("apps/status-api/src/config.ts"), /\[\s*"([a-z-]+)",\s*"BAA_/g).map(
    (m) => group(m, 1)
  );
  assert.ok(
    codexdFlags.includes("server-arg") &&
      codexdFlags.includes("json") &&
      conductorFlags.includes("trusted-cidrs"),
    "found the flags"
  );
  const documented = (flag: string) => new RegExp(`--${flag}(?![a-z-])`).test(docs);
  assert.ok(statusApiFlags.includes("source-timeout-ms"), "found status-api's flags");
  assert.deepEqual(
    missing([...codexdFlags, ...conductorFlags, ...statusApiFlags], documented),
    [],
    "flags missing from docs/runtime/*.md"
  );
});

// The routes come from each service's real route table (its app built by createApp, routes
// recorded as Fastify registers them), not from a list kept by hand or read from the source.
test("every route of every service is in its section of docs/api/README.md, with a curl or wscat example", async () => {
  const doc = read("docs/api/README.md");
  const section = (heading: string) => {
    const start = doc.indexOf(`\n## ${heading}\n`);
    assert.ok(start >= 0, `docs/api/README.md has a "## ${heading}" section`);
    const end = doc.indexOf("\n## ", start + 1);
    return doc.slice(start, end === -1 ? undefined : end);
  };
  const sections: Record<ServiceApp["service"], string> = {
    conductor: section("Conductor routes"),
    codexd: section("codexd routes"),
    "status-api": section("status-api routes")
  };
  const { apps, close } = await buildServiceApps();
  try {
    const undocumented: string[] = [];
    const withoutExample: string[] = [];
    const check = (service: ServiceApp["service"], method: string, path: string) => {
      const text = sections[service];
      const route = `${method} ${path}`;
      // A route must appear whole: `GET /v1/codex` is not documented by `GET /v1/codex/events`.
      if (!new RegExp(`${escapeRegExp(route)}(?![\\w/:*-])`).test(text))
        undocumented.push(`${service}: ${route}`);
      // An example line: curl (or wscat for a WebSocket) with the path, `:param` standing for any value.
      const pattern = escapeRegExp(path).replace(/:[a-z_]+/g, '[^/\\s"?]+');
      const tool = method === "WS" ? "(?:wscat|websocat)" : "curl";
      if (!new RegExp(`^.*\\b${tool}\\b.*${pattern}(?:["?\\s]|$)`, "m").test(text))
        withoutExample.push(`${service}: ${route}`);
    };
    for (const { service, routes } of apps) {
      assert.ok(routes.length >= 8, `found ${service}'s routes`);
      for (const route of routes) {
        if (route.hidden) continue;
        check(service, route.websocket ? "WS" : route.method, route.url);
      }
    }
    // The conductor's wildcard proxy: the pattern itself, and each codex route it serves.
    assert.ok(
      apps.find((each) => each.service === "conductor")?.routes.some((route) => route.url === "/v1/codex/*"),
      "found the proxy route"
    );
    assert.match(sections.conductor, /\/v1\/codex\/\*/);
    for (const route of CODEX_ROUTES) check("conductor", route.method, route.path);
    assert.deepEqual(undocumented, [], "routes missing from docs/api/README.md");
    assert.deepEqual(withoutExample, [], "routes without a curl (or wscat) example in docs/api/README.md");
  } finally {
    await close();
  }
});

// The variables each service's config really reads: its resolver run over an env that records
// every name asked for (the same table of sources the service starts from).
test("every environment variable a config reads is in docs/runtime/environment.md", () => {
  const doc = read("docs/runtime/environment.md");
  const asked = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, name) => {
      if (typeof name === "string") asked.add(name);
      return undefined;
    },
    has: (_target, name) => {
      if (typeof name === "string") asked.add(name);
      return false;
    }
  });
  const notThere = (path: string): string => {
    throw Object.assign(new Error(`no ${path}`), { code: "ENOENT" });
  };
  resolveCodexdConfig({ env });
  resolveConductorConfig({ env });
  resolveStatusApiConfig({ env });
  resolveCliConfig({ flags: {}, env, readFile: notThere });
  assert.ok(
    asked.size > 20 && asked.has("BAA_SHARED_TOKEN") && asked.has("BAA_STATUS_API_SOURCE_TIMEOUT_MS"),
    `recorded the reads (${asked.size})`
  );
  assert.deepEqual(
    missing(asked, (name) => doc.includes(`\`${name}\``)),
    [],
    "variables read by a config missing from docs/runtime/environment.md"
  );
});
