#!/usr/bin/env node
// Lists every source file over 400 lines and every function, method or arrow over 80 lines (STYLE.md,
// "Files ≤ 400 lines, functions ≤ ~80 lines"). Scans apps/*/src, packages/*/src, tests/, bench/ and
// scripts/, skipping node_modules/, dist/ and generated/. A function's length runs from the line its
// first token is on to the line of its closing brace; a function nested in another counts on its own.
// Usage: node scripts/check-sizes.mjs [--json] [--formatted]   (exit 1 when anything is over)
// --formatted measures the files as Biome (biome.json, 110 columns) would format them, on a copy:
// a file under the limits as written may be over once its long lines are wrapped.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const MAX_FILE_LINES = 400;
export const MAX_FUNCTION_LINES = 80;

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const SKIPPED_DIRS = new Set(["node_modules", "dist", "generated"]);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

function walk(dir, out) {
  let names;
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (error.code === "ENOENT") return out;
    throw error;
  }
  for (const name of names) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SOURCE.test(name) && !/\.d\.[cm]?ts$/.test(name)) out.push(path);
  }
  return out;
}

function subdirs(dir) {
  return readdirSync(join(root, dir))
    .filter((name) => statSync(join(root, dir, name)).isDirectory())
    .map((name) => join(root, dir, name, "src"));
}

/** Every source file the size rules apply to, relative to the repository root, sorted. */
export function sourceFiles() {
  const dirs = [
    ...subdirs("apps"),
    ...subdirs("packages"),
    ...["tests", "bench", "scripts"].map((d) => join(root, d))
  ];
  return dirs
    .flatMap((dir) => walk(dir, []))
    .map((path) => relative(root, path))
    .sort();
}

function scriptKind(path) {
  if (/\.[cm]?js$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

function functionName(node, file) {
  if (node.name) return node.name.getText(file);
  if (ts.isConstructorDeclaration(node)) return "constructor";
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(file);
  if (parent && (ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)))
    return parent.name.getText(file);
  if (parent && ts.isCallExpression(parent)) {
    // `test("name", async () => ...)`: the callee and its first string argument say which one.
    const callee = parent.expression.getText(file).slice(0, 40);
    const first = parent.arguments[0];
    const label = first && ts.isStringLiteralLike(first) ? ` ${JSON.stringify(first.text.slice(0, 60))}` : "";
    return `${callee}(${label.trim()}) callback`;
  }
  return "(anonymous)";
}

/** The over-long functions of one file's text: `{ name, line, lines }`, line 1-based. */
export function longFunctions(path, text, max = MAX_FUNCTION_LINES) {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const found = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      if (lines > max) found.push({ name: functionName(node, file), line: start + 1, lines });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function lineCount(text) {
  if (text.length === 0) return 0;
  const lines = text.split("\n").length;
  return text.endsWith("\n") ? lines - 1 : lines;
}

/** The files copied under a temporary root and formatted there with the repository's Biome settings. */
function formattedCopy(paths) {
  const copy = mkdtempSync(join(tmpdir(), "check-sizes-"));
  for (const path of paths) {
    mkdirSync(dirname(join(copy, path)), { recursive: true });
    try {
      copyFileSync(join(root, path), join(copy, path));
    } catch (error) {
      if (error.code !== "ENOENT") throw error;
    }
  }
  const {
    vcs: _vcs,
    files: _files,
    $schema: _schema,
    ...settings
  } = JSON.parse(readFileSync(join(root, "biome.json"), "utf8"));
  writeFileSync(join(copy, "biome.json"), JSON.stringify({ ...settings, files: { includes: ["**"] } }));
  const biome = join(root, "node_modules", ".bin", "biome");
  const formatted = spawnSync(biome, ["format", "--write", "."], { cwd: copy, encoding: "utf8" });
  if (formatted.status !== 0) {
    rmSync(copy, { recursive: true, force: true });
    throw new Error(`biome format failed: ${formatted.stderr || formatted.stdout}`);
  }
  return copy;
}

/**
 * Everything over the limits: `{ files: [{path, lines}], functions: [{path, name, line, lines}] }`.
 * With `formatted`, as Biome would format the files (line numbers are then the formatted ones).
 */
export function checkSizes(paths = sourceFiles(), { formatted = false } = {}) {
  const base = formatted ? formattedCopy(paths) : root;
  try {
    return measure(base, paths);
  } finally {
    if (formatted) rmSync(base, { recursive: true, force: true });
  }
}

function measure(base, paths) {
  const files = [];
  const functions = [];
  for (const path of paths) {
    let text;
    try {
      text = readFileSync(join(base, path), "utf8");
    } catch (error) {
      // Removed since the walk (someone's temporary file): nothing left to measure.
      if (error.code === "ENOENT") continue;
      throw error;
    }
    const lines = lineCount(text);
    if (lines > MAX_FILE_LINES) files.push({ path, lines });
    for (const fn of longFunctions(path, text)) functions.push({ path, ...fn });
  }
  return { files, functions };
}

const invokedDirectly = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (invokedDirectly) {
  const report = checkSizes(undefined, { formatted: process.argv.includes("--formatted") });
  if (process.argv.includes("--json")) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const { path, lines } of report.files)
      console.log(`${path}: ${lines} lines (max ${MAX_FILE_LINES})`);
    for (const { path, name, line, lines } of report.functions) {
      console.log(`${path}:${line}: ${name} is ${lines} lines (max ${MAX_FUNCTION_LINES})`);
    }
    const total = report.files.length + report.functions.length;
    console.log(
      total === 0 ? "sizes ok" : `${report.files.length} files, ${report.functions.length} functions over`
    );
  }
  process.exit(report.files.length + report.functions.length === 0 ? 0 : 1);
}
