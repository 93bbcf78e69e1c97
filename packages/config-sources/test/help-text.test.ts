import assert from "node:assert/strict";
import test from "node:test";
import { helpText, type SourceTable } from "../src/index.js";

const TABLE: SourceTable = {
  "paths.stateDir": ["state-dir", "X_STATE_DIR"],
  limit: ["limit-ms", "X_LIMIT_MS", "number", "bound on each request"],
  hosts: ["allowed-hosts", "X_HOSTS", "list"],
  trust: ["trust", "X_TRUST", "boolean"],
  args: ["arg", "X_ARGS", "repeated"],
  json: ["json", "", "switch", "machine-readable output"],
  token: ["", "X_TOKEN"],
  secret: ["", "X_SECRET"]
};

test("the help names every flag with its value, env var and note, then the env-only settings", () => {
  const lines = helpText(TABLE).split("\n");
  const line = (flag: string) =>
    lines.find((each) => each.startsWith(`  --${flag} `) || each === `  --${flag}`) ?? "";
  assert.match(line("state-dir"), /^ {2}--state-dir DIR +X_STATE_DIR$/);
  assert.match(line("limit-ms"), /--limit-ms N +X_LIMIT_MS +bound on each request$/);
  assert.match(line("allowed-hosts"), /--allowed-hosts HOST,\.\.\. +X_HOSTS$/);
  assert.match(line("trust"), /--trust true\|false +X_TRUST$/);
  assert.match(line("arg"), /--arg ARG +X_ARGS +\(repeatable\)$/);
  assert.match(line("json"), /--json +machine-readable output$/);
  assert.ok(lines.includes("  environment only, never a flag: X_TOKEN, X_SECRET"), lines.join("\n"));
});
