import assert from "node:assert/strict";
import test from "node:test";
import { runStatusApiCli } from "../src/cli.js";
import { STATUS_API_SOURCES } from "../src/config.js";

const sink = () => {
  let text = "";
  const write = (chunk: string) => {
    text += chunk;
  };
  return { write, read: () => text };
};

// The help is generated from the table of sources: no flag or variable can be left out of it.
test("--help names every flag and environment variable of the table", async () => {
  const out = sink();
  assert.equal(await runStatusApiCli({ argv: ["node", "status-api", "--help"], env: {}, stdout: out }), 0);
  const help = out.read();
  const names = Object.values(STATUS_API_SOURCES).flatMap(([flag, env]) => [
    flag === "" ? "" : `--${flag}`,
    env
  ]);
  assert.ok(names.length > 10, "found the table");
  const listed = (name: string) => new RegExp(`(?<![A-Za-z0-9_-])${name}(?![A-Za-z0-9_-])`).test(help);
  assert.deepEqual(
    names.filter((name) => name !== "" && !listed(name)),
    [],
    "missing from --help"
  );
});
