import assert from "node:assert/strict";
import test from "node:test";
import { nextEvent } from "@baa/event-log";
import { ManualTimers } from "@baa/clock/testing";
import { getJson, postJson, startFakeCodexd } from "../support/start-fake-codexd.js";

// The restart delay runs on manual timers and every wait is on an event codexd records: no
// sleeps, no polling, nothing timed against the wall clock.

test("a dead child is restarted, sessions are resumed, and status counts the restart", async () => {
  const timers = new ManualTimers();
  const codexd = await startFakeCodexd({ restartBaseDelayMs: 20, restartMaxDelayMs: 40 }, undefined, {
    timers
  });
  try {
    const sessionId = (await postJson(`${codexd.base}/v1/codexd/sessions`, {})).body.data.session.sessionId;
    const scheduled = nextEvent(codexd.service.events, (e) => e.type === "child.restart_scheduled");
    codexd.child.emit("exit", 1, null);
    const { delayMs } = (await scheduled).data as { delayMs: number };
    assert.ok(delayMs >= 10 && delayMs <= 20, "half-jittered first delay");
    assert.equal(
      (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child.status,
      "restarting"
    );
    assert.equal(codexd.spawned.length, 1, "nothing restarts before the delay is over");

    const started = nextEvent(codexd.service.events, (e) => e.type === "child.started");
    const resumed = nextEvent(codexd.service.events, (e) => e.type === "session.resumed");
    // State-file retries may share the timers; fire until the restart has run.
    while (codexd.spawned.length < 2 && timers.fireNext());
    await Promise.all([started, resumed]);
    const status = (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot;
    assert.equal(status.daemon.child.status, "running");
    assert.equal(status.daemon.child.restarts, 1);
    assert.equal(status.daemon.child.exitCode, 1);
    assert.equal(codexd.spawned.length, 2);
    assert.ok(codexd.appServer.calls.some((c) => c.method === "thread/resume"));
    const turn = await postJson(`${codexd.base}/v1/codexd/turn`, { sessionId, input: "after restart" });
    assert.equal(turn.status, 202);
  } finally {
    await codexd.stop();
  }
});

test("a crash loop stops restarting and says why; POST child/restart starts it again", async () => {
  const timers = new ManualTimers();
  const codexd = await startFakeCodexd(
    { restartBaseDelayMs: 5, restartMaxDelayMs: 10, crashLoopLimit: 3 },
    undefined,
    { timers }
  );
  try {
    for (let i = 0; i < 2; i += 1) {
      const scheduled = nextEvent(codexd.service.events, (e) => e.type === "child.restart_scheduled");
      codexd.child.emit("exit", 137, null);
      await scheduled;
      const started = nextEvent(codexd.service.events, (e) => e.type === "child.started");
      // State-file retries may share the timers; fire until the restart has run.
      while (!codexd.spawned[i + 1] && timers.fireNext());
      await started;
    }
    const failed = nextEvent(codexd.service.events, (e) => e.type === "child.failed");
    codexd.child.emit("exit", 137, null);
    await failed;
    const child = (await getJson(`${codexd.base}/v1/codexd/status`)).body.data.snapshot.daemon.child;
    assert.equal(child.status, "failed");
    assert.match(child.lastError, /crash loop/);
    assert.match(child.lastError, /code 137/);
    const spawnedBefore = codexd.spawned.length;
    while (timers.fireNext());
    assert.equal(codexd.spawned.length, spawnedBefore, "no restart is scheduled after giving up");
    const restart = await postJson(`${codexd.base}/v1/codexd/child/restart`, {});
    assert.equal(restart.status, 200);
    assert.equal(restart.body.data.running, true);
    assert.equal(restart.body.data.child.status, "running");
  } finally {
    await codexd.stop();
  }
});

test("restarts asked for at once are one restart: one new child, both callers answered", async () => {
  const codexd = await startFakeCodexd();
  try {
    const before = codexd.spawned.length;
    // Asked in the same turn of the event loop, as two clients' requests can be.
    const [first, second] = await Promise.all([codexd.service.restartChild(), codexd.service.restartChild()]);
    assert.equal(first, true);
    assert.equal(second, true);
    assert.equal(codexd.spawned.length, before + 1, "one child spawned for both requests");
    const third = await postJson(`${codexd.base}/v1/codexd/child/restart`, {});
    assert.equal(third.body.data.running, true);
    assert.equal(codexd.spawned.length, before + 2, "a later request restarts again");
  } finally {
    await codexd.stop();
  }
});

test("a stop that comes during a restart leaves no child running", async () => {
  const codexd = await startFakeCodexd();
  // The new child's initialize waits until codexd is stopping, so the restart is in flight.
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const initialize = codexd.appServer.initialize.bind(codexd.appServer);
  codexd.appServer.initialize = async (...args: Parameters<typeof initialize>) => {
    await gate;
    return initialize(...args);
  };
  const restarted = codexd.service.restartChild();
  const stopped = codexd.stop();
  release();
  await stopped;
  assert.equal(typeof (await restarted), "boolean");
  // Every child that was spawned was also stopped: none outlives codexd.
  assert.equal(codexd.appServer.closes, codexd.spawned.length);
  assert.equal(codexd.service.getStatus().snapshot.daemon.child.status, "stopped");
});
