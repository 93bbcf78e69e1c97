import assert from "node:assert/strict";
import test from "node:test";
import { getJson, postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

const waitFor = async (check: () => Promise<boolean> | boolean, what: string, ms = 5000) => {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out: ${what}`);
};

test("a dead child is restarted, sessions are resumed, and status counts the restart", async () => {
  const codexd = await startFakeCodexd({ restartBaseDelayMs: 20, restartMaxDelayMs: 40 });
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    codexd.child.emit("exit", 1, null);
    await waitFor(async () => {
      const s = await getJson(`${codexd.base}/v1/codexd/status`);
      return s.body.data.snapshot.daemon.child.status === "running" && s.body.data.snapshot.daemon.child.restarts === 1;
    }, "child running again");
    const status = (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot;
    assert.equal(status.daemon.child.exitCode, 1);
    assert.equal(codexd.spawned.length, 2);
    assert.ok(codexd.appServer.calls.some((c) => c.method === "thread/resume"));
    const types = status.recentEvents.events.map((e: { type: string }) => e.type);
    for (const t of ["child.exited", "child.restart_scheduled", "child.started", "session.resumed"]) assert.ok(types.includes(t), t);
    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "after restart" });
    assert.equal(turn.status, 202);
  } finally {
    await codexd.stop();
  }
});

test("a crash loop stops restarting and says why; POST child/restart starts it again", async () => {
  const codexd = await startFakeCodexd({ restartBaseDelayMs: 5, restartMaxDelayMs: 10, crashLoopLimit: 3 });
  try {
    for (let i = 0; i < 3; i += 1) {
      await waitFor(async () => (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child.status === "running", `up #${i}`);
      codexd.child.emit("exit", 137, null);
    }
    await waitFor(async () => (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child.status === "failed", "failed");
    const child = (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
    assert.match(child.lastError, /crash loop/);
    assert.match(child.lastError, /code 137/);
    const spawnedBefore = codexd.spawned.length;
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(codexd.spawned.length, spawnedBefore, "no restart after giving up");
    const restart = await postJson(`${codexd.base}/v1/codexd/child/restart`, {});
    assert.equal(restart.status, 200);
    assert.equal(restart.body.data.running, true);
    assert.equal(restart.body.data.child.status, "running");
  } finally {
    await codexd.stop();
  }
});
