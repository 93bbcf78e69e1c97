// Must-show 1 against real services: codexd with the real codex binary, the conductor as its own
// process (so it can be hung with SIGSTOP), status-api in-process. The conductor trusts nobody
// without its token (BAA_TRUST_LOOPBACK=false) and generated that token itself, so status-api
// can only read its system state and pause it through the token file it finds in the
// conductor's state dir.
import assert from "node:assert/strict";
import test from "node:test";
import { StatusApiRuntime } from "../../apps/status-api/dist/index.js";
import { freePort } from "../support/codexd-process.js";
import { startConductorProcess, type ConductorProcess } from "../support/conductor-process.js";
import { eventually, getJson, request } from "../support/http.js";
import { startRealStack, type RealStack } from "../support/real-stack.js";

test("/v1/status against real services: all up, codexd down, the conductor hung (SIGSTOP) and back", async () => {
  const stack = await startRealStack();
  const conductorStateDir = stack.dir.path("conductor-process-state");
  const conductor = await startConductorProcess({
    port: await freePort(),
    env: {
      BAA_NODE_ID: "status-e2e",
      BAA_CODEXD_LOCAL_API_BASE: stack.codexdBase,
      BAA_REPO_ROOT: stack.dir.path("repo"),
      BAA_STATE_DIR: conductorStateDir,
      BAA_RUNS_DIR: stack.dir.path("conductor-process-runs"),
      BAA_TRUST_LOOPBACK: "false"
    }
  });
  const statusApi = new StatusApiRuntime({
    localApiBase: "http://127.0.0.1:0",
    conductorBase: conductor.base,
    codexdBase: stack.codexdBase,
    conductorStateDir,
    repoRoot: stack.dir.path("status-api"),
    sourceTimeoutMs: 1_500
  });
  try {
    const base = await statusApi.start();
    const status = async () => {
      const response = await getJson(`${base}/v1/status`);
      assert.equal(response.status, 200, response.text);
      return response.body.data;
    };

    // All up. A session's turn, made through codexd directly (the conductor wants its token).
    const sessionId = (await request("POST", `${stack.codexdBase}/v1/codexd/sessions`, { purpose: "duplex" }))
      .body.data.session.sessionId;
    assert.equal(
      (await request("POST", `${stack.codexdBase}/v1/codexd/turn`, { sessionId, input: "status please" }))
        .status,
      202
    );
    const up = await eventually(async () => {
      const doc = await status();
      const session = doc.codexd.sessions.find((s: { sessionId: string }) => s.sessionId === sessionId);
      return session?.lastTurn?.status === "completed" ? doc : null;
    }, "the turn completed in the document");
    assertAllUp(up, sessionId);

    // An action through status-api reaches the conductor with the token it generated.
    const paused = await request("POST", `${base}/v1/system/pause`, { reason: "from status-api" });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.data.mode, "paused");
    assert.equal((await status()).conductor.system.value.reason, "from status-api");
    const denied = await getJson(`${conductor.base}/v1/system/state`);
    assert.equal(denied.status, 401, "the conductor really wants the token, even from loopback");

    await phaseCodexdDown(stack, status);

    await phaseConductorHung(conductor, status);
  } finally {
    await statusApi.stop();
    await conductor.kill("SIGTERM");
    await stack.stop();
  }
});

/** The document with every service up: the conductor leads and runs, codexd's child runs, the turn's reply is there. */
function assertAllUp(up: any, sessionId: string): void {
  assert.equal(up.conductor.reachable, true);
  assert.equal(up.conductor.role.role, "leader");
  assert.equal(up.conductor.role.nodeId, "status-e2e");
  assert.ok(up.conductor.role.term >= 1);
  assert.equal(up.conductor.system.available, true, JSON.stringify(up.conductor.system));
  assert.equal(up.conductor.system.value.mode, "running");
  assert.equal(up.conductor.tasks.available, true, JSON.stringify(up.conductor.tasks));
  assert.equal(up.conductor.tasks.value.byState.queued, 0);
  assert.equal(up.codexd.reachable, true);
  assert.equal(up.codexd.child.status, "running");
  assert.ok(up.codexd.service.codexVersion, "codex's version is reported");
  const session = up.codexd.sessions.find((s: { sessionId: string }) => s.sessionId === sessionId);
  assert.equal(session.lastTurn.agentMessage, "mock reply to: status please");
}

type StatusDocument = () => Promise<any>;

/** codexd down: its part says why; the conductor's is intact. Then it is back. */
async function phaseCodexdDown(stack: RealStack, status: StatusDocument): Promise<void> {
  await stack.codexd.stop();
  const codexdDown = await status();
  assert.equal(codexdDown.codexd.reachable, false);
  assert.equal(codexdDown.codexd.error.code, "unreachable");
  assert.equal(codexdDown.conductor.reachable, true);
  assert.equal(codexdDown.conductor.system.value.mode, "paused");
  await stack.restartCodexd();
  assert.equal((await status()).codexd.reachable, true);
}

/** The conductor hung (SIGSTOP): the document still answers, once its bound has passed; then it is back. */
async function phaseConductorHung(conductor: ConductorProcess, status: StatusDocument): Promise<void> {
  conductor.process.kill("SIGSTOP");
  const hung = await status();
  assert.equal(hung.conductor.reachable, false);
  assert.equal(hung.conductor.error.code, "timeout");
  assert.ok(hung.conductor.latencyMs >= 1_500, `gave up at the bound (${hung.conductor.latencyMs} ms)`);
  assert.equal(hung.conductor.system.available, false);
  assert.equal(hung.codexd.reachable, true, "codexd is still read");
  conductor.process.kill("SIGCONT");
  const back = await eventually(
    async () => ((await status()).conductor.reachable ? true : null),
    "the conductor back"
  );
  assert.equal(back, true);
}
