import assert from "node:assert/strict";
import test from "node:test";
import { resolveStatusApiConfig, StatusApiConfigError } from "../src/config.js";

test("defaults: loopback 4318, the conductor and codexd on their defaults, the conductor's token file", () => {
  const config = resolveStatusApiConfig({ env: { BAA_REPO_ROOT: "/srv/baa" } });
  assert.equal(config.localApiBase, "http://127.0.0.1:4318");
  assert.equal(config.conductorBase, "http://127.0.0.1:4317");
  assert.equal(config.codexdBase, "http://127.0.0.1:4319");
  assert.equal(config.conductorTokenFile, "/srv/baa/state/conductor/shared-token");
  assert.equal(config.sourceTimeoutMs, 2_000);
  assert.ok(Object.isFrozen(config));
});

test("flags win over env, env over defaults; an empty value is unset; a wildcard listen address is reached on loopback", () => {
  const config = resolveStatusApiConfig({
    argv: ["--source-timeout-ms", "500"],
    env: {
      BAA_STATUS_API_SOURCE_TIMEOUT_MS: "900",
      BAA_STATUS_API_REFRESH_MS: "",
      BAA_CONDUCTOR_LOCAL_API: "http://0.0.0.0:4317",
      BAA_STATE_DIR: "/var/baa/conductor",
      BAA_SHARED_TOKEN: "s".repeat(40)
    }
  });
  assert.equal(config.sourceTimeoutMs, 500);
  assert.equal(config.refreshMs, 1_000);
  assert.equal(config.conductorBase, "http://127.0.0.1:4317");
  assert.equal(config.conductorTokenFile, "/var/baa/conductor/shared-token");
  assert.equal(config.sharedToken, "s".repeat(40));
});

test("bad config fails once, naming every bad key and where it came from", () => {
  assert.throws(
    () =>
      resolveStatusApiConfig({
        argv: ["--bogus", "1"],
        env: {
          BAA_STATUS_API_REFRESH_MS: "soon",
          BAA_CODEXD_LOCAL_API_BASE: "ftp://x",
          BAA_SHARED_TOKEN: "short",
          BAA_ALLOWED_ORIGINS: "not an origin"
        }
      }),
    (error: unknown) => {
      assert.ok(error instanceof StatusApiConfigError);
      const text = error.problems.join("\n");
      assert.match(text, /unknown flag --bogus/);
      assert.match(text, /refreshMs \(--refresh-ms \/ BAA_STATUS_API_REFRESH_MS\)/);
      assert.match(text, /codexdBase \(--codexd-local-api-base \/ BAA_CODEXD_LOCAL_API_BASE\)/);
      assert.match(text, /sharedToken \(BAA_SHARED_TOKEN\): must be at least 32 characters/);
      assert.match(text, /allowedOrigins\.0 \(--allowed-origins \/ BAA_ALLOWED_ORIGINS\)|allowedOrigins/);
      assert.doesNotMatch(text, /short/, "the token itself is never in the message");
      return true;
    }
  );
});
