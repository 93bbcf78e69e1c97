// Keeps docs/ in step with the code: every error code (with its status), environment variable,
// CLI flag and route the services have must be documented. Needs a build (imports dist/).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { fileURLToPath } from "node:url";
import { CodexdErrorCodes, resolveCodexdConfig } from "../../apps/codexd/dist/index.js";
import { CODEX_ROUTES, ConductorErrorCodes } from "../../apps/conductor-daemon/dist/index.js";
import { StatusApiErrorCodes } from "../../apps/status-api/dist/index.js";
import { CommonErrorCodes } from "../../packages/api-errors/dist/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), "utf8");

function filesUnder(dir: string, pattern: RegExp): string[] {
  if (!existsSync(join(root, dir))) return [];
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : filesUnder(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

const appSources = readdirSync(join(root, "apps")).flatMap((app) => filesUnder(join("apps", app, "src"), /\.ts$/));
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const allMatches = (text: string, re: RegExp): string[][] => [...text.matchAll(re)].map((m) => [...m]);
const missing = (names: Iterable<string>, present: (name: string) => boolean): string[] =>
  [...new Set(names)].filter((name) => !present(name)).sort();

test("every error code is in docs/api/errors.md with its HTTP status", () => {
  const doc = read("docs/api/errors.md");
  // `| \`code\` | 404 | ...` rows; the first number in the status cell is the status.
  const documented = new Map(allMatches(doc, /^\|\s*`([a-z_]+)`\s*\|\s*[^|\d]*(\d{3})/gm).map(([, code, status]) => [code, Number(status)]));
  const tables: Record<string, number>[] = [CommonErrorCodes, CodexdErrorCodes, ConductorErrorCodes, StatusApiErrorCodes];
  // Plus codes the shared error handler sends without a table entry (its fallbacks).
  const handler = read("packages/api-errors/src/fastify-error-handler.ts");
  const sent = allMatches(handler, /errorBody\(\s*"([a-z_]+)"/g).map(([, code]) => code);
  const codes = [...tables.flatMap((table) => Object.keys(table)), ...sent];

  assert.deepEqual(missing(codes, (code) => documented.has(code)), [], "codes missing from docs/api/errors.md");
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
  const names = allMatches(sources, /\bBAA_[A-Z0-9_]*[A-Z0-9]\b/g).map(([name]) => name);
  assert.ok(names.length > 20, "found the variables");
  assert.deepEqual(missing(names, (name) => doc.includes(`\`${name}\``)), [], "variables missing from the table");
});

test("every CLI flag of codexd and the conductor is in docs/runtime/", () => {
  const docs = filesUnder("docs/runtime", /\.md$/).map(read).join("\n");
  // codexd's SOURCES table has the same shape, plus its command flags (`--json`).
  const codexdConfig = read("apps/codexd/src/config.ts");
  const commandBlock = /const COMMAND_FLAGS = \{([\s\S]*?)\} as const/.exec(codexdConfig)?.[1] ?? "";
  const codexdFlags = [
    ...allMatches(codexdConfig, /\[\s*"([a-z-]+)",\s*"BAA_/g).map(([, flag]) => flag),
    ...allMatches(commandBlock, /\b([a-z][a-z-]*)\s*:\s*\{/g).map(([, flag]) => flag)
  ];
  // The conductor's SOURCES table: key -> ["flag", "ENV"]; "" means env-only.
  const conductorFlags = allMatches(read("apps/conductor-daemon/src/config.ts"), /\[\s*"([a-z-]+)",\s*"BAA_/g).map(([, flag]) => flag);
  // status-api's SOURCES table has the same shape.
  const statusApiFlags = allMatches(read("apps/status-api/src/config.ts"), /\[\s*"([a-z-]+)",\s*"BAA_/g).map(([, flag]) => flag);
  assert.ok(codexdFlags.includes("server-arg") && codexdFlags.includes("json") && conductorFlags.includes("trusted-cidrs"), "found the flags");
  const documented = (flag: string) => new RegExp(`--${flag}(?![a-z-])`).test(docs);
  assert.ok(statusApiFlags.includes("source-timeout-ms"), "found status-api's flags");
  assert.deepEqual(missing([...codexdFlags, ...conductorFlags, ...statusApiFlags], documented), [], "flags missing from docs/runtime/*.md");
});

test("every route is in docs/api/README.md", () => {
  const normalize = (text: string) => text.replace(/:[a-z_]+/g, ":param");
  const doc = normalize(read("docs/api/README.md"));
  const routes: string[] = [];
  for (const file of appSources) {
    const text = read(file);
    const constants = new Map(allMatches(text, /const (\w+) = "(\/[^"]*)"/g).map(([, name, value]) => [name, value]));
    const pathOf = (arg: string) => (arg.startsWith('"') ? arg.slice(1, -1) : constants.get(arg));
    // app.get("/x", ...), app.post(PATH, ...), app.all("/v1/codex/*", ...)
    for (const [, method, arg] of allMatches(text, /\bapp\.(get|post|put|patch|delete|all)\(\s*("[^"]*"|\w+)/g)) {
      const path = pathOf(arg);
      if (path?.startsWith("/")) routes.push(method === "all" ? path : `${method.toUpperCase()} ${path}`);
    }
    // app.route({ method: "GET", url: "/x" | NAME, ... })
    for (const [, method, arg] of allMatches(text, /method:\s*"([A-Z]+)",\s*url:\s*("[^"]*"|\w+)/g)) {
      const path = pathOf(arg);
      if (path?.startsWith("/")) routes.push(`${method} ${path}`);
    }
  }
  // WebSocket routes: the conductor's advertised list, and codexd's default event stream path.
  for (const route of CODEX_ROUTES) routes.push(`${route.method} ${route.path}`);
  routes.push(`WS ${resolveCodexdConfig({ env: {} }).service.eventStreamPath}`);

  assert.ok(routes.includes("POST /v1/codexd/turn") && routes.includes("GET /rolez"), "found the routes");
  // A route must appear whole: `GET /v1/codex` is not documented by `GET /v1/codex/events`.
  const documented = (route: string) => new RegExp(`${escapeRegExp(route)}(?![\\w/:*-])`).test(doc);
  assert.deepEqual(missing(routes.map(normalize), documented), [], "routes missing from docs/api/README.md");
});
