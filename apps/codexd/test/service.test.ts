import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import { getJson, postJson, startFakeCodexd } from "./support/start-fake-codexd.js";

const readJson = (path: string) => JSON.parse(readFileSync(path, "utf8"));

test("start spawns `codex app-server` in the child cwd and writes every state file", async () => {
  const codexd = await startFakeCodexd();
  try {
    assert.deepEqual(codexd.spawned, [{ command: "codex", args: ["app-server"], cwd: codexd.ws.root }]);
    const daemon = readJson(codexd.config.paths.daemonStatePath);
    assert.equal(daemon.started, true);
    assert.equal(daemon.child.status, "running");
    assert.equal(daemon.child.pid, 4242);
    assert.equal(readJson(codexd.config.paths.identityPath).nodeId, "mini-main");
    assert.deepEqual(readJson(codexd.config.paths.runRegistryPath).runs, []);
    assert.match(readFileSync(codexd.config.paths.stdoutLogPath, "utf8"), /^plain stdout line\n$/);
    assert.match(readFileSync(codexd.config.paths.stderrLogPath, "utf8"), /some stderr/);
  } finally {
    await codexd.stop();
  }
});

test("a turn's completion that arrives before the turn/start answer still completes the turn", async () => {
  const codexd = await startFakeCodexd();
  try {
    const created = await postJson(`${codexd.base}/v1/codexd/sessions`, {
      purpose: "duplex",
      cwd: codexd.ws.root
    });
    assert.equal(created.status, 201);
    const sessionId = created.body.data.session.sessionId;
    assert.match(sessionId, /^session-/);
    assert.equal(created.body.data.session.lastTurnStatus, null);

    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "hello" });
    assert.equal(turn.status, 202);
    assert.deepEqual(turn.body.data, { accepted: true, turnId: "turn-1", sessionId });

    const read = await getJson(`${codexd.base}/v1/codexd/sessions/${sessionId}`);
    assert.equal(read.body.data.session.lastTurnId, "turn-1");
    assert.equal(read.body.data.session.lastTurnStatus, "completed");
    assert.equal(read.body.data.session.activeTurn, null);
    assert.equal(read.body.data.session.lastAgentMessage, "done");
    const types = read.body.data.recentEvents.map((e: { type: string }) => e.type);
    for (const type of [
      "session.created",
      "app-server.turn.started",
      "app-server.turn.completed",
      "turn.accepted"
    ]) {
      assert.ok(types.includes(type), `${type} in ${types}`);
    }
    const seqs = read.body.data.recentEvents.map((e: { seq: number }) => e.seq);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a: number, b: number) => a - b)
    );
  } finally {
    await codexd.stop();
  }
});

test("a second turn while one runs is a 409; after completion the session takes turns again", async () => {
  const codexd = await startFakeCodexd();
  codexd.appServer.autoComplete = false;
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const first = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "one" });
    assert.equal(first.status, 202);
    const second = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "two" });
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, "turn_in_progress");
    const threadId = codexd.service.sessions.get(sessionId)!.threadId;
    codexd.appServer.finishTurn(threadId, first.body.data.turnId);
    const third = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "three" });
    assert.equal(third.status, 202);
  } finally {
    await codexd.stop();
  }
});

test("bad input is a 4xx JSON error and the daemon keeps serving", async () => {
  const codexd = await startFakeCodexd({ bodyLimitBytes: 1024 });
  try {
    const cases: [unknown, number, string][] = [
      ["{not json", 400, "invalid_json"],
      [{}, 400, "validation_failed"],
      [{ sessionId: 5, input: "x" }, 400, "validation_failed"],
      [{ sessionId: "session-x", input: "" }, 400, "validation_failed"],
      [{ sessionId: "session-missing", input: "x" }, 404, "session_not_found"],
      [{ sessionId: "s", input: "x".repeat(5000) }, 413, "payload_too_large"]
    ];
    for (const [body, status, code] of cases) {
      const response = await postJson(`${codexd.base}/v1/codexd/turn`, body);
      assert.equal(response.status, status, JSON.stringify(body).slice(0, 40));
      assert.deepEqual(Object.keys(response.body).sort(), ["error", "ok"]);
      assert.equal(response.body.ok, false);
      assert.equal(response.body.error.code, code);
      assert.doesNotMatch(JSON.stringify(response.body), /at .*\.(ts|js):\d+/);
    }
    const badSession = await postJson(`${codexd.base}/v1/codexd/sessions`, {
      cwd: "relative/dir",
      sandbox: "yolo"
    });
    assert.equal(badSession.status, 400);
    assert.match(badSession.body.error.message, /cwd/);
    assert.match(badSession.body.error.message, /sandbox/);
    assert.equal((await getJson(`${codexd.base}/v1/codexd/sessions/session-nope`)).status, 404);
    assert.equal((await getJson(`${codexd.base}/v1/codexd/nope`)).body.error.code, "route_not_found");
    assert.equal((await getJson(`${codexd.base}/healthz`)).status, 200);
  } finally {
    await codexd.stop();
  }
});

test("app-server refusing thread/start is a 502 with its message, not a crash", async () => {
  const codexd = await startFakeCodexd();
  try {
    codexd.appServer.failNext = new Error("model not allowed");
    const response = await postJson(`${codexd.base}/v1/codexd/sessions`, { model: "x" });
    assert.equal(response.status, 502);
    assert.equal(response.body.error.code, "app_server_error");
    assert.match(response.body.error.message, /model not allowed/);
  } finally {
    await codexd.stop();
  }
});

test("when the child dies a running turn becomes interrupted with a reason and an event", async () => {
  const codexd = await startFakeCodexd({ restartBaseDelayMs: 60_000 });
  codexd.appServer.autoComplete = false;
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "long" });
    codexd.child.emit("exit", null, "SIGKILL");
    const read = await getJson(`${codexd.base}/v1/codexd/sessions/${sessionId}`);
    assert.equal(read.body.data.session.lastTurnStatus, "interrupted");
    assert.match(read.body.data.session.lastTurnError, /SIGKILL/);
    assert.ok(read.body.data.recentEvents.some((e: { type: string }) => e.type === "turn.interrupted"));
    const status = await getJson(`${codexd.base}/v1/codexd/status`);
    assert.equal(status.body.data.snapshot.daemon.child.status, "restarting");
    assert.equal(status.body.data.snapshot.daemon.child.exitSignal, "SIGKILL");
    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "again" });
    assert.equal(turn.status, 503);
    assert.equal(turn.headers.get("retry-after"), "1");
  } finally {
    await codexd.stop();
  }
});

test("a session's recent events do not depend on how busy other sessions were", async () => {
  const codexd = await startFakeCodexd({ recentEventsLimit: 10 });
  try {
    const quiet = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: quiet, input: "once" });
    const busy = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    for (let i = 0; i < 5; i += 1) {
      await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId: busy, input: `turn ${i}` });
    }
    const read = await getJson(`${codexd.base}/v1/codexd/sessions/${quiet}`);
    const types = read.body.data.recentEvents.map((e: { type: string }) => e.type);
    for (const type of ["session.created", "turn.accepted", "app-server.turn.completed"])
      assert.ok(types.includes(type), type);
    assert.ok(read.body.data.recentEvents.every((e: { sessionId: string }) => e.sessionId === quiet));
    assert.equal(codexd.service.events.recent().length, 10, "the shared ring stays at its limit");
  } finally {
    await codexd.stop();
  }
});
