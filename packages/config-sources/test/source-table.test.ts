import assert from "node:assert/strict";
import test from "node:test";
import { z } from "zod";
import { describeIssues, describeSource, readSources, type SourceTable } from "../src/index.js";

const TABLE: SourceTable = {
  name: ["name", "X_NAME"],
  token: ["", "X_TOKEN"],
  hosts: ["hosts", "X_HOSTS", "list"],
  "paths.stateDir": ["state-dir", "X_STATE_DIR"],
  limit: ["limit", "X_LIMIT", "number"],
  on: ["on", "X_ON", "boolean"],
  quiet: ["quiet", "", "switch"]
};

test("a flag beats its env var, an empty or blank env value is unset, dotted keys nest, text becomes its kind", () => {
  const { input, problems } = readSources(TABLE, {
    argv: ["--name", "from-flag", "--state-dir", "/s"],
    env: { X_NAME: "from-env", X_TOKEN: " ", X_HOSTS: "a, ,b", X_LIMIT: "12", X_ON: "off" }
  });
  assert.deepEqual(problems, []);
  assert.deepEqual(input, {
    name: "from-flag",
    hosts: ["a", "b"],
    paths: { stateDir: "/s" },
    limit: 12,
    on: false
  });
});

test("text that does not fit its kind passes through for the schema to name", () => {
  const { input } = readSources(TABLE, { env: { X_LIMIT: "12ms", X_ON: "maybe" } });
  assert.deepEqual(input, { limit: "12ms", on: "maybe" });
});

test("stray arguments, unknown flags, flags without a value and env-only keys given as flags are each a problem", () => {
  // An unknown flag takes no value, so the word after it is a stray argument.
  const { problems } = readSources(TABLE, { argv: ["extra", "--nope", "--token", "t", "--name"], env: {} });
  assert.deepEqual(
    problems.sort(),
    [
      'unexpected argument "extra"',
      'unexpected argument "t"',
      "flag --name needs a value",
      "unknown flag --nope",
      "unknown flag --token"
    ].sort()
  );
});

test("a bad key is named with its flag and env var, a list entry with its list's", () => {
  assert.equal(describeSource(TABLE, "name"), " (--name / X_NAME)");
  assert.equal(describeSource(TABLE, "token"), " (X_TOKEN)");
  assert.equal(describeSource(TABLE, "hosts.1"), " (--hosts / X_HOSTS)");
  assert.equal(describeSource(TABLE, "other"), "");
  assert.equal(describeSource(TABLE, "quiet"), " (--quiet)");
  const schema = z.strictObject({ limit: z.number(), paths: z.strictObject({ stateDir: z.string() }) });
  const result = schema.safeParse({ limit: "12ms", paths: { stateDir: "/s", extra: 1 }, stray: true });
  assert.equal(result.success, false);
  const lines = describeIssues(TABLE, result.error?.issues ?? []);
  assert.ok(
    lines.some((line) => line.startsWith("limit (--limit / X_LIMIT): ")),
    lines.join("\n")
  );
  assert.ok(lines.includes("unknown key(s) paths.extra"), lines.join("\n"));
  assert.ok(lines.includes("unknown key(s) stray"), lines.join("\n"));
});

test("normalizeOrFail lists the reading's problems, then the schema's, in the service's own error", async () => {
  const { InvalidConfigError, normalizeOrFail } = await import("../src/index.js");
  class SvcError extends InvalidConfigError {
    constructor(problems: readonly string[]) {
      super("svc", problems);
    }
  }
  const refused = () => {
    throw new SvcError(["limit: too big"]);
  };
  assert.throws(
    () => normalizeOrFail(["unknown flag --x"], refused, (all) => new SvcError(all)),
    (error: unknown) => {
      assert.ok(error instanceof SvcError);
      assert.equal(error.message, "invalid svc config: unknown flag --x; limit: too big");
      return true;
    }
  );
  assert.throws(
    () =>
      normalizeOrFail(
        ["unknown flag --x"],
        () => 1,
        (all) => new SvcError(all)
      ),
    /invalid svc config: unknown flag --x$/
  );
  assert.equal(
    normalizeOrFail(
      [],
      () => 1,
      (all) => new SvcError(all)
    ),
    1
  );
});
