import assert from "node:assert/strict";
import test from "node:test";
import { CLI_SOURCES } from "../src/config.js";
import { ExitCode, runCli } from "../src/index.js";

// The help is generated from the table of sources: no flag or variable can be left out of it.
test("help names every flag and environment variable of the table; a bad flag is named plainly", async () => {
  let help = "";
  let errors = "";
  const run = (argv: string[]) =>
    runCli({
      argv,
      env: {},
      stdout: {
        write: (chunk: string) => {
          help += chunk;
        }
      },
      stderr: {
        write: (chunk: string) => {
          errors += chunk;
        }
      }
    });
  assert.equal(await run(["help"]), ExitCode.ok);
  const names = Object.values(CLI_SOURCES).flatMap(([flag, env]) => [flag === "" ? "" : `--${flag}`, env]);
  assert.ok(names.includes("--base-url") && names.includes("BAA_SHARED_TOKEN"), "found the table");
  const listed = (name: string) => new RegExp(`(?<![A-Za-z0-9_-])${name}(?![A-Za-z0-9_-])`).test(help);
  assert.deepEqual(
    names.filter((name) => name !== "" && !listed(name)),
    [],
    "missing from help"
  );

  assert.equal(await run(["tasks", "list", "--bogus", "-z", "--json=yes"]), ExitCode.usage);
  assert.equal(errors, "baa tasks: unknown flag --bogus; unknown flag -z; flag --json takes no value\n");
});
