import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";

import { codexConfigArgs, writeCodexHome } from "../src/index.js";

test("codexConfigArgs gives the provider, model and no-network flags", () => {
  assert.deepEqual(codexConfigArgs("http://127.0.0.1:1234/v1"), [
    "-c",
    'model_providers.mock={name="mock",base_url="http://127.0.0.1:1234/v1",wire_api="responses"}',
    "-c",
    'model_provider="mock"',
    "-c",
    'model="mock-model"',
    "-c",
    "features.plugins=false"
  ]);
  const tuned = codexConfigArgs("http://x/v1", {
    requestMaxRetries: 0,
    streamMaxRetries: 1,
    streamIdleTimeoutMs: 2500
  });
  assert.equal(
    tuned[1],
    'model_providers.mock={name="mock",base_url="http://x/v1",wire_api="responses",request_max_retries=0,stream_max_retries=1,stream_idle_timeout_ms=2500}'
  );
});

test("writeCodexHome creates the dir and writes the same settings as config.toml", async () => {
  const root = await mkdtemp(join(tmpdir(), "mock-model-config-"));
  try {
    const home = join(root, "nested", "home");
    writeCodexHome(home, "http://127.0.0.1:9/v1", { requestMaxRetries: 2 });
    const toml = await readFile(join(home, "config.toml"), "utf8");
    assert.match(toml, /^model = "mock-model"$/m);
    assert.match(toml, /^model_provider = "mock"$/m);
    assert.match(toml, /^\[features\]\nplugins = false$/m);
    assert.match(
      toml,
      /^\[model_providers\.mock\]\nname = "mock"\nbase_url = "http:\/\/127\.0\.0\.1:9\/v1"\nwire_api = "responses"\nrequest_max_retries = 2$/m
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("shellSnapshot: false turns codex's shell snapshot off in the flags and in config.toml", async () => {
  assert.deepEqual(codexConfigArgs("http://x/v1", { shellSnapshot: false }).slice(-2), [
    "-c",
    "features.shell_snapshot=false"
  ]);
  assert.equal(codexConfigArgs("http://x/v1").includes("features.shell_snapshot=false"), false);
  const root = await mkdtemp(join(tmpdir(), "mock-model-config-"));
  try {
    writeCodexHome(root, "http://127.0.0.1:9/v1", { shellSnapshot: false });
    const toml = await readFile(join(root, "config.toml"), "utf8");
    assert.match(toml, /^\[features\]\nplugins = false\nshell_snapshot = false$/m);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("sandboxMode sets codex's default sandbox as a top-level key, before any table", async () => {
  assert.deepEqual(codexConfigArgs("http://x/v1", { sandboxMode: "workspace-write" }).slice(-2), [
    "-c",
    'sandbox_mode="workspace-write"'
  ]);
  assert.equal(
    codexConfigArgs("http://x/v1").some((arg) => arg.startsWith("sandbox_mode")),
    false
  );
  const root = await mkdtemp(join(tmpdir(), "mock-model-config-"));
  try {
    writeCodexHome(root, "http://127.0.0.1:9/v1", { sandboxMode: "workspace-write" });
    const toml = await readFile(join(root, "config.toml"), "utf8");
    const line = toml.split("\n").indexOf('sandbox_mode = "workspace-write"');
    assert.ok(line > 0 && line < toml.split("\n").findIndex((l) => l.startsWith("[")), toml);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
