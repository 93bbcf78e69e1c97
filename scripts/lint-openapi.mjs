#!/usr/bin/env node
// Lints each service's GET /openapi.json with Redocly's recommended rules, as a client generator
// would meet the document. Usage: node scripts/lint-openapi.mjs   (after a build: it uses dist/)
// The three apps are built in-process as the services build them (tests/support/route-tables.ts),
// nothing listens; each document is written to a temp dir and `redocly lint` reads it there.
// The ruleset is `recommended-strict`: the recommended rules with every warning made an error,
// so the script exits non-zero on any error or warning. Telemetry and update checks are off.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const redocly = join(root, "node_modules", ".bin", "redocly");

/** Each service's document, as its app serves it. */
async function documents() {
  const tables = join(root, "tests", "support", "route-tables.ts");
  const { buildServiceApps } = await tsImport(tables, import.meta.url);
  const { apps, close } = await buildServiceApps();
  try {
    const found = [];
    for (const { service, app, host } of apps) {
      const reply = await app.inject({ url: "/openapi.json", headers: { host } });
      if (reply.statusCode !== 200)
        throw new Error(`${service}: GET /openapi.json answered ${reply.statusCode}: ${reply.body}`);
      found.push({ service, text: reply.body });
    }
    return found;
  } finally {
    await close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "baa-openapi-"));
try {
  const files = [];
  for (const { service, text } of await documents()) {
    const file = join(dir, `${service}.json`);
    writeFileSync(file, `${JSON.stringify(JSON.parse(text), null, 2)}\n`);
    files.push(file);
  }
  const env = {
    ...process.env,
    REDOCLY_TELEMETRY: "off",
    REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
    REDOCLY_SUPPRESS_NOTIFICATIONS: "true"
  };
  // From the temp dir, so no redocly.yaml of the checkout changes the rules.
  const args = ["lint", "--extends", "recommended-strict", "--format", "stylish", ...files];
  const run = spawnSync(redocly, args, { cwd: dir, env, stdio: "inherit" });
  if (run.error !== undefined) throw run.error;
  if (run.status !== 0) {
    console.error(
      `lint-openapi: redocly found problems (exit ${run.status ?? run.signal}); documents in ${dir}`
    );
    process.exitCode = 1;
  } else {
    console.log(
      `lint-openapi: ${files.length} documents clean (redocly recommended rules, warnings as errors)`
    );
  }
} finally {
  if (process.exitCode !== 1) rmSync(dir, { recursive: true, force: true });
}
