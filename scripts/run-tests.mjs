#!/usr/bin/env node
// Runs every test file of the workspace with node's test runner (TypeScript through tsx).
// Usage: node scripts/run-tests.mjs [path-filter ...]
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const roots = ["packages", "apps", "tests"];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name === "dist") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.test\.(ts|mts|mjs)$/.test(name)) files.push(relative(root, path));
  }
};
for (const dir of roots) {
  try {
    walk(join(root, dir));
  } catch (error) {
    if (error.code !== "ENOENT") throw error;
  }
}
const filters = process.argv.slice(2);
const selected = files.sort().filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)));
if (selected.length === 0) {
  console.error("no test files matched");
  process.exit(1);
}
// RUN_TESTS_CONCURRENCY: test files run at once (default 3; see docs/testing.md, "Speed"). RUN_TESTS_TIMES=<file>: also write
// every file's and test's wall time there, slowest first (scripts/test-times-reporter.mjs).
// The timeout bounds a whole file as well as each test (node 20 applies it to both): 420 s, so
// the longest file (the 200-task failover) passes on a loaded 2-core machine.
const concurrency = Number(process.env.RUN_TESTS_CONCURRENCY || 3);
const timesFile = process.env.RUN_TESTS_TIMES || "";
const reporters = timesFile
  ? [
      "--test-reporter=spec",
      "--test-reporter-destination=stdout",
      `--test-reporter=${join(root, "scripts", "test-times-reporter.mjs")}`,
      `--test-reporter-destination=${timesFile}`
    ]
  : [];
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    `--test-concurrency=${concurrency}`,
    "--test-timeout=420000",
    ...reporters,
    ...selected
  ],
  { cwd: root, stdio: "inherit" }
);
process.exit(result.status ?? 1);
