import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

const resultsFile = join(new URL("..", import.meta.url).pathname, "results", "latest.json");

/**
 * Prints a bench's table and merges its result into bench/results/latest.json under its name,
 * with the machine noted, so one file holds the newest figure of every bench.
 */
export function report(result, lines) {
  let all = {};
  try {
    all = JSON.parse(readFileSync(resultsFile, "utf8"));
    if (all === null || typeof all !== "object" || Array.isArray(all) || all.bench !== undefined) all = {};
  } catch (error) {
    if (error.code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
  }
  all[result.bench] = { ...result, at: new Date().toISOString(), node: process.version, cpus: cpus().length };
  writeFileSync(resultsFile, `${JSON.stringify(all, null, 2)}\n`);
  console.log(lines.join("\n"));
}
