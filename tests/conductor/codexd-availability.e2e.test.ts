import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import test from "node:test";
import { startMockModel, writeCodexHome } from "@baa/mock-model";
import { makeTempDir } from "@baa/test-support";
import { CodexdLocalService, resolveCodexdConfig } from "../../apps/codexd/dist/index.js";
import { ConductorRuntime } from "../../apps/conductor-daemon/dist/index.js";
import { getJson, postJson } from "../support/http.js";

test("codexd down: the proxy answers 503 fast; codexd back on the same port: it works again without a conductor restart", async () => {
  const dir = makeTempDir("baa-availability-");
  const model = await startMockModel();
  const codexHome = dir.path("codex-home");
  writeCodexHome(codexHome, model.baseUrl);
  mkdirSync(dir.path("repo"), { recursive: true });
  const makeCodexd = (localApiBase: string) =>
    new CodexdLocalService(
      resolveCodexdConfig({
        env: {},
        repoRoot: dir.path("repo"),
        logsDir: dir.path("logs"),
        stateDir: dir.path("state"),
        localApiBase
      }),
      { env: { ...process.env, CODEX_HOME: codexHome } }
    );
  let codexd = makeCodexd("http://127.0.0.1:0");
  const codexdBase = (await codexd.start()).service.resolvedBaseUrl as string;
  const conductor = new ConductorRuntime(
    {
      codexdLocalApiBase: codexdBase,
      localApiBase: "http://127.0.0.1:0",
      paths: { stateDir: dir.path("conductor"), runsDir: dir.path("runs") },
      sharedToken: "t".repeat(32)
    },
    { autoStartLoops: false }
  );
  const base = (await conductor.start()).controlApi.localApiBase;
  try {
    const created = await postJson(`${base}/v1/codex/sessions`, { purpose: "duplex" });
    assert.equal(created.status, 201);
    const sessionId = created.body.data.session.sessionId;

    await codexd.stop();
    for (const [method, path] of [
      ["GET", "/v1/codex"],
      ["GET", "/v1/codex/sessions"],
      ["POST", "/v1/codex/turn"]
    ] as const) {
      const started = performance.now();
      const r =
        method === "GET"
          ? await getJson(`${base}${path}`)
          : await postJson(`${base}${path}`, { sessionId, input: "x" });
      const elapsed = performance.now() - started;
      assert.equal(r.status, 503, `${method} ${path}`);
      assert.equal(r.body.error.code, "codexd_unavailable");
      // A generous bound: "never a hang" (the conductor's own connect timeout is 1 s).
      assert.ok(elapsed < 5_000, `${path} answered after ${Math.round(elapsed)} ms`);
    }
    assert.equal((await getJson(`${base}/readyz`)).status, 503);
    assert.equal((await getJson(`${base}/healthz`)).status, 200);

    codexd = makeCodexd(codexdBase);
    await codexd.start();
    const ready = await getJson(`${base}/readyz`);
    assert.equal(ready.status, 200);
    const summary = await getJson(`${base}/v1/codex`);
    assert.equal(summary.status, 200);
    assert.equal(summary.body.data.sessions.count, 1);
    const turn = await postJson(`${base}/v1/codex/turn`, { sessionId, input: "after the restart" });
    assert.equal(turn.status, 202, turn.text);
  } finally {
    await conductor.stop();
    await codexd.stop();
    await model.close();
    dir.remove();
  }
});
