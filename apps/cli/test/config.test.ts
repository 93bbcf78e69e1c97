import assert from "node:assert/strict";
import test from "node:test";
import { CliError, ExitCode, resolveCliConfig } from "../src/index.js";

const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
};

test("defaults: the local conductor, no token when the state file is absent", () => {
  const config = resolveCliConfig({ flags: {}, env: {}, readFile: noFile });
  assert.equal(config.baseUrl, "http://127.0.0.1:4317");
  assert.equal(config.token, undefined);
  assert.equal(config.tokenSource, null);
  assert.equal(config.timeoutMs, 30_000);
  assert.equal(config.json, false);
});

test("flags win over env; an empty env value counts as unset", () => {
  const config = resolveCliConfig({
    flags: { "base-url": "http://10.0.0.2:4317/", "timeout-ms": "500", json: true },
    env: { BAA_CONDUCTOR_URL: "http://elsewhere:1", BAA_STATE_DIR: "" },
    readFile: noFile
  });
  assert.equal(config.baseUrl, "http://10.0.0.2:4317");
  assert.equal(config.timeoutMs, 500);
  assert.equal(config.json, true);
  assert.equal(
    resolveCliConfig({ flags: {}, env: { BAA_CONDUCTOR_URL: "" }, readFile: noFile }).baseUrl,
    "http://127.0.0.1:4317"
  );
});

test("the token: BAA_SHARED_TOKEN first, else the conductor's state file under the state dir or repo root", () => {
  const read: string[] = [];
  const files = (path: string) => {
    read.push(path);
    return "file-token\n";
  };
  const fromEnv = resolveCliConfig({ flags: {}, env: { BAA_SHARED_TOKEN: "env-token" }, readFile: files });
  assert.equal(fromEnv.token, "env-token");
  assert.equal(fromEnv.tokenSource, "BAA_SHARED_TOKEN");
  assert.deepEqual(read, []);

  const fromState = resolveCliConfig({
    flags: {},
    env: { BAA_STATE_DIR: "/srv/state/conductor" },
    readFile: files
  });
  assert.equal(fromState.token, "file-token");
  assert.equal(fromState.tokenSource, "/srv/state/conductor/shared-token");

  const fromRoot = resolveCliConfig({ flags: { "repo-root": "/srv/baa" }, env: {}, readFile: files });
  assert.equal(fromRoot.tokenSource, "/srv/baa/state/conductor/shared-token");
});

test("a named token file that cannot be read is a usage error; so is an unreadable state file", () => {
  const denied = (path: string): string => {
    throw Object.assign(new Error(`EACCES: ${path}`), { code: "EACCES" });
  };
  assert.throws(
    () => resolveCliConfig({ flags: { "token-file": "/nope" }, env: {}, readFile: noFile }),
    (error: unknown) =>
      error instanceof CliError &&
      error.exitCode === ExitCode.usage &&
      /cannot read the token file \/nope: ENOENT/.test(error.message)
  );
  assert.throws(
    () => resolveCliConfig({ flags: {}, env: { BAA_STATE_DIR: "/s" }, readFile: denied }),
    (error: unknown) => error instanceof CliError && /\/s\/shared-token: EACCES/.test(error.message)
  );
});

test("bad values are named with their flag and variable", () => {
  assert.throws(
    () =>
      resolveCliConfig({
        flags: { "timeout-ms": "soon" },
        env: { BAA_CONDUCTOR_URL: "ftp://x" },
        readFile: noFile
      }),
    (error: unknown) =>
      error instanceof CliError &&
      error.exitCode === ExitCode.usage &&
      /baseUrl \(--base-url \/ BAA_CONDUCTOR_URL\)/.test(error.message) &&
      /timeoutMs \(--timeout-ms\)/.test(error.message)
  );
});
