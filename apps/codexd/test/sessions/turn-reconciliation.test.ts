import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { getJson, postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

// The registry is written lazily; a crash can leave it behind the event log. Start-up folds
// the log's newer events in, so the registry's lag never shows.

test("a turn that finished after the registry's last write comes back completed, not interrupted", async () => {
  const ws = makeTempDir("codexd-test-");
  try {
    const first = await startFakeCodexd({}, ws);
    first.appServer.autoComplete = false;
    const sessionId = (await postJson(`${first.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const turnId = (await postJson(`${first.base}/v1/codexd/turn`, { sessionId, input: "x" })).body.data
      .turnId;
    await first.service.stateSettled();
    const stale = readFileSync(first.config.paths.sessionRegistryPath, "utf8");
    first.appServer.finishTurn(first.service.sessions.get(sessionId)!.threadId, turnId);
    await first.service.stop();
    writeFileSync(first.config.paths.sessionRegistryPath, stale); // as if the last write never happened

    const second = await startFakeCodexd({}, ws);
    try {
      const session = (await getJson(`${second.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      assert.equal(session.lastTurnId, turnId);
      assert.equal(session.lastTurnStatus, "completed");
      assert.equal(session.activeTurn, null);
    } finally {
      await second.service.stop();
    }
  } finally {
    ws.remove();
  }
});

test("a turn accepted after the registry's last write is restored and marked interrupted at start", async () => {
  const ws = makeTempDir("codexd-test-");
  try {
    const first = await startFakeCodexd({}, ws);
    first.appServer.autoComplete = false;
    const sessionId = (await postJson(`${first.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    await first.service.stateSettled();
    const stale = readFileSync(first.config.paths.sessionRegistryPath, "utf8");
    const turnId = (await postJson(`${first.base}/v1/codexd/turn`, { sessionId, input: "x" })).body.data
      .turnId;
    // A crash: nothing more is written; the registry on disk predates the turn.
    writeFileSync(first.config.paths.sessionRegistryPath, stale);
    const second = await startFakeCodexd({}, ws);
    try {
      const session = (await getJson(`${second.base}/v1/codexd/sessions/${sessionId}`)).body.data.session;
      assert.equal(session.lastTurnId, turnId);
      assert.equal(session.lastTurnStatus, "interrupted");
      assert.match(session.lastTurnError, /codexd restarted/);
    } finally {
      await second.service.stop();
      await first.service.stop().catch(() => {});
    }
  } finally {
    ws.remove();
  }
});
