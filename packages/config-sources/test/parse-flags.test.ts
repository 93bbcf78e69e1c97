import assert from "node:assert/strict";
import test from "node:test";
import { flagSpecs, parseFlags, readSources, type SourceTable } from "../src/index.js";

const TABLE: SourceTable = {
  command: ["command", "X_COMMAND"],
  args: ["arg", "X_ARGS", "repeated"],
  demo: ["demo", "X_DEMO", "switch"],
  limit: ["limit", "X_LIMIT", "number"]
};

test("a repeated flag collects every value, dashes included; its env var splits on spaces", () => {
  const fromFlags = readSources(TABLE, {
    argv: ["--arg", "app-server", "--arg", "-c", "--arg", "x=1", "--demo"],
    env: { X_ARGS: "ignored" }
  });
  assert.deepEqual(fromFlags, { input: { args: ["app-server", "-c", "x=1"], demo: true }, problems: [] });
  const fromEnv = readSources(TABLE, { env: { X_ARGS: " app-server  -c x=1 ", X_DEMO: "yes" } });
  assert.deepEqual(fromEnv.input, { args: ["app-server", "-c", "x=1"], demo: true });
});

test("explicit input beats flags, flags beat env; input values are taken as they are", () => {
  const { input } = readSources(TABLE, {
    input: { command: "explicit", limit: 7, demo: undefined },
    argv: ["--command", "flag", "--limit", "9"],
    env: { X_COMMAND: "env", X_DEMO: "on" }
  });
  assert.deepEqual(input, { command: "explicit", limit: 7, demo: true });
});

test("flags a caller parsed already are read like argv", () => {
  const { input, problems } = readSources(TABLE, {
    flags: { limit: "12", demo: true },
    env: { X_LIMIT: "1" }
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(input, { limit: 12, demo: true });
});

test("every problem is reported, quotes balanced: unknown long and short flags, missing and unwanted values", () => {
  const { values, problems } = parseFlags(
    ["--bogus", "-q", "--demo=1", "--arg", "a", "stray", "--limit"],
    flagSpecs(TABLE)
  );
  assert.deepEqual(values, { arg: ["a"] });
  assert.deepEqual(problems, [
    "unknown flag --bogus",
    "unknown flag -q",
    "flag --demo takes no value",
    'unexpected argument "stray"',
    "flag --limit needs a value"
  ]);
  for (const problem of problems)
    assert.equal(problem.split('"').length % 2, 1, `balanced quotes: ${problem}`);
  for (const problem of problems)
    assert.equal(problem.split("'").length % 2, 1, `balanced quotes: ${problem}`);
});

test("positionals, when allowed, and short names come back with the values", () => {
  const parsed = parseFlags(
    ["show", "-f", "task-1", "--", "--not-a-flag"],
    { follow: { type: "boolean", short: "f" } },
    { positionals: true }
  );
  assert.deepEqual(parsed, {
    values: { follow: true },
    positionals: ["show", "task-1", "--not-a-flag"],
    problems: []
  });
});
