import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { freePort, startCodexdProcess } from "../support/codexd-process.js";
import { openEventSocket } from "../support/event-socket.js";
import { getJson, postJson } from "../support/http.js";

test("demo mode: with no codex login or config, a first turn completes against the bundled mock model", async () => {
  const dir = makeTempDir("baa-demo-");
  // An empty HOME and no CODEX_HOME: nothing of this machine's codex setup is used.
  const codexd = await startCodexdProcess({
    port: await freePort(),
    env: { HOME: dir.path("home"), CODEX_HOME: undefined, BAA_REPO_ROOT: dir.root },
    args: ["--demo"]
  });
  try {
    const status = (await getJson(`${codexd.base}/v1/codexd/status`)).body.data;
    assert.equal(status.service.demo, true);
    assert.ok(existsSync(dir.path("state", "codexd", "demo-codex-home", "config.toml")));
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, { purpose: "duplex" })).body.data
      .session.sessionId;
    // The session's stream, open before the turn, says when it completed: no polling.
    const socket = await openEventSocket(
      `${codexd.base.replace(/^http/, "ws")}/v1/codexd/events?after=0&sessionId=${sessionId}`
    );
    assert.equal(
      (await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "Say hello." })).status,
      202
    );
    await socket.waitFor((e) => e.type === "app-server.turn.completed", "demo turn");
    socket.close();
    const session = (await getJson(`${codexd.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
    assert.equal(session.lastTurnStatus, "completed");
    assert.match(session.lastAgentMessage, /Say hello\./);
  } finally {
    await codexd.kill("SIGTERM");
    dir.remove();
  }
});
