import assert from "node:assert/strict";
import { statSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { tempDir } from "@baa/test-support";
import { createConductorLogger } from "../src/logger.js";
import { ConductorRuntime } from "../src/runtime.js";
import { startFakeCodexd } from "./helpers/fake-codexd.js";
import { textSink } from "./helpers/conductor.js";

test("start on port 0 reports the real URL; stop is idempotent and closes the port", async (t) => {
  const dir = tempDir(t);
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());

  // The seed's exact call shape.
  const runtime = new ConductorRuntime(
    {
      codexdLocalApiBase: codexd.baseUrl,
      controlApiBase: "https://conductor.makefile.so",
      host: "mini",
      localApiBase: "http://127.0.0.1:0",
      nodeId: "mini-main",
      paths: { runsDir: join(dir.root, "runs"), stateDir: join(dir.root, "state") },
      role: "primary",
      sharedToken: "replace-me"
    },
    { autoStartLoops: false, now: () => 100 }
  );
  assert.equal(runtime.getSnapshot().state, "created");
  const snapshot = await runtime.start();
  assert.match(snapshot.controlApi.localApiBase, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.notEqual(snapshot.controlApi.localApiBase, "http://127.0.0.1:0");
  assert.equal(snapshot.controlApi.controlApiBase, "https://conductor.makefile.so");
  assert.equal(snapshot.nodeId, "mini-main");
  assert.equal(snapshot.role, "primary");
  assert.equal(snapshot.state, "running");
  assert.equal(snapshot.startedAt, new Date(100).toISOString());
  assert.deepEqual(snapshot.auth, { tokenSource: "config", trustedCidrs: [] });
  assert.deepEqual(snapshot.loops, { autoStart: false });
  assert.doesNotMatch(JSON.stringify(snapshot), /replace-me/);
  assert.deepEqual(runtime.getSnapshot(), snapshot);

  const health = await fetch(`${snapshot.controlApi.localApiBase}/healthz`);
  assert.equal(health.status, 200);

  await Promise.all([runtime.stop(), runtime.stop()]);
  await runtime.stop();
  assert.equal(runtime.getSnapshot().state, "stopped");
  await assert.rejects(fetch(`${snapshot.controlApi.localApiBase}/healthz`));
  await assert.rejects(runtime.start(), /cannot start again/);
});

test("stop before start does nothing harmful", async () => {
  const runtime = new ConductorRuntime({ sharedToken: "x" });
  await runtime.stop();
  assert.equal(runtime.getSnapshot().state, "stopped");
});

test("without a configured token one is generated once (0600), reused, and never logged", async (t) => {
  const dir = tempDir(t);
  const sink = textSink();
  const logger = createConductorLogger({ destination: sink, level: "trace" });
  const stateDir = join(dir.root, "state");
  const config = { localApiBase: "http://127.0.0.1:0", repoRoot: dir.root, paths: { stateDir } };

  const first = new ConductorRuntime(config, { logger });
  const firstSnapshot = await first.start();
  await first.stop();
  const tokenFile = join(stateDir, "shared-token");
  assert.deepEqual(firstSnapshot.auth, { tokenSource: "generated", tokenFile, trustedCidrs: [] });
  const token = readFileSync(tokenFile, "utf8").trim();
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(statSync(tokenFile).mode & 0o777, 0o600);

  // Every peer counts as remote here, so the stored token is what opens the API.
  const second = new ConductorRuntime(
    { ...config, codexdLocalApiBase: "http://127.0.0.1:1" },
    { logger, isTrustedAddress: () => false }
  );
  const secondSnapshot = await second.start();
  const base = secondSnapshot.controlApi.localApiBase;
  try {
    assert.equal((await fetch(`${base}/v1/codex/sessions`)).status, 401);
    const authorized = await fetch(`${base}/v1/codex/sessions`, {
      headers: { authorization: `Bearer ${token}` }
    });
    assert.equal(authorized.status, 503, "past auth, codexd is simply not there");
  } finally {
    await second.stop();
  }
  assert.equal(readFileSync(tokenFile, "utf8").trim(), token);
  assert.equal(secondSnapshot.auth.tokenFile, tokenFile);

  const log = sink.read();
  assert.match(log, /generated shared token/);
  assert.match(log, /using stored shared token/);
  assert.ok(log.includes(tokenFile), "the log names the token file");
  assert.ok(!log.includes(token), "the log never contains the token");
  assert.ok(!JSON.stringify(firstSnapshot).includes(token));
});
