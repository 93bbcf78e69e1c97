import assert from "node:assert/strict";
import { chmodSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { tempDir } from "@baa/test-support";
import { ensureSharedToken } from "../src/shared-token.js";

test("a configured token is used as is and nothing is written", (t) => {
  const dir = tempDir(t);
  const result = ensureSharedToken({ configured: "abc", stateDir: join(dir.root, "state") });
  assert.deepEqual(result, { token: "abc", source: "config", created: false, permissionsFixed: false });
  assert.deepEqual(readdirSync(dir.root), []);
});

test("the first call generates 256 bits into a 0600 file; later calls reuse it", (t) => {
  const dir = tempDir(t);
  const stateDir = join(dir.root, "state");
  const first = ensureSharedToken({ stateDir });
  const tokenFile = join(stateDir, "shared-token");
  assert.equal(first.source, "generated");
  assert.equal(first.tokenFile, tokenFile);
  assert.equal(first.created, true);
  assert.match(first.token, /^[0-9a-f]{64}$/);
  assert.equal(readFileSync(tokenFile, "utf8"), `${first.token}\n`);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(stateDir), ["shared-token"], "no temp file left behind");

  const second = ensureSharedToken({ stateDir, generate: () => assert.fail("must not generate again") });
  assert.equal(second.token, first.token);
  assert.equal(second.created, false);
});

test("a token file readable by others is reset to 0600", (t) => {
  const dir = tempDir(t);
  mkdirSync(dir.root, { recursive: true });
  const tokenFile = join(dir.root, "shared-token");
  writeFileSync(tokenFile, "feed\n");
  chmodSync(tokenFile, 0o644);
  const result = ensureSharedToken({ stateDir: dir.root });
  assert.equal(result.token, "feed");
  assert.equal(result.permissionsFixed, true);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);
});

test("an empty token file is an error that names the file, not a silent new token", (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir.root, "shared-token"), "\n", { mode: 0o600 });
  assert.throws(() => ensureSharedToken({ stateDir: dir.root }), /shared-token is empty/);
});
