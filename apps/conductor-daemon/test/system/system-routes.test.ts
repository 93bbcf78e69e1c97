import assert from "node:assert/strict";
import { join } from "node:path";
import test from "node:test";
import { eventually, tempDir } from "@baa/test-support";
import { ConductorRuntime } from "../../src/runtime.js";
import { startFakeCodexd } from "../helpers/fake-codexd.js";

async function json(url: string, init?: RequestInit): Promise<{ status: number; body: any }> {
  const response = await fetch(url, init);
  return { status: response.status, body: await response.json() };
}

const post = (url: string, body?: unknown) =>
  json(url, {
    method: "POST",
    ...(body === undefined
      ? {}
      : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  });

function runtime(stateDir: string, codexdBase: string, autoStartLoops = true): ConductorRuntime {
  return new ConductorRuntime(
    {
      localApiBase: "http://127.0.0.1:0",
      codexdLocalApiBase: codexdBase,
      nodeId: "node-a",
      repoRoot: stateDir,
      paths: { stateDir, runsDir: join(stateDir, "runs") },
      sharedToken: "t".repeat(64),
      leaseTtlMs: 900
    },
    { autoStartLoops }
  );
}

test("system modes: state, pause, drain, resume; the mode is in the store and survives a restart", async (t) => {
  const dir = tempDir(t);
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const stateDir = join(dir.root, "state");

  const first = runtime(stateDir, codexd.baseUrl);
  t.after(() => first.stop());
  const base = (await first.start()).controlApi.localApiBase;
  assert.equal(first.getSnapshot().store.kind, "sqlite");
  assert.equal(first.getSnapshot().store.location, join(stateDir, "control-store.sqlite"));

  const role = await eventually(() => json(`${base}/rolez`), "leadership", {
    accept: (r) => r.body.data.role === "leader"
  });
  assert.equal(role.body.data.holder, "node-a");
  assert.equal(role.body.data.term, 1);
  assert.ok(Date.parse(role.body.data.expiresAt) > Date.now() - 1000);

  const ready = await json(`${base}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body.data.checks.store, { kind: "sqlite", reachable: true });

  const state = await eventually(() => json(`${base}/v1/system/state`), "claiming", {
    accept: (r) => r.body.data.claiming === true
  });
  assert.equal(state.status, 200);
  assert.equal(state.body.data.mode, "running");
  assert.equal(state.body.data.drained, false);
  assert.deepEqual(state.body.data.running, { count: 0, runs: [] });
  assert.equal(state.body.data.quota, null);
  assert.equal(state.body.data.leader.holder, "node-a");
  assert.equal(state.body.data.leader.expired, false);
  assert.equal(state.body.data.node.role, "leader");
  assert.equal(state.body.data.tasks.queued, 0);

  const paused = await post(`${base}/v1/system/pause`, { reason: "maintenance" });
  assert.equal(paused.status, 200);
  assert.equal(paused.body.data.mode, "paused");
  assert.equal(paused.body.data.reason, "maintenance");
  assert.equal(paused.body.data.claiming, false, "pause stops claims on this node at once");
  assert.equal(first.controlPlane?.system.mayClaim(), false);

  const drained = await post(`${base}/v1/system/drain`);
  assert.equal(drained.body.data.mode, "draining");
  assert.equal(drained.body.data.drained, true, "nothing runs, so draining is done");

  const bad = await post(`${base}/v1/system/resume`, { reason: 5 });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "validation_failed");
  assert.match(bad.body.error.message, /reason/);
  const unknownField = await post(`${base}/v1/system/resume`, { mode: "running" });
  assert.equal(unknownField.status, 400);

  await first.stop();
  // A restart (same state dir) reads the mode back from the store.
  const second = runtime(stateDir, codexd.baseUrl);
  t.after(() => second.stop());
  const base2 = (await second.start()).controlApi.localApiBase;
  const after = await json(`${base2}/v1/system/state`);
  assert.equal(after.body.data.mode, "draining");
  assert.equal(after.body.data.claiming, false);
  const role2 = await eventually(() => json(`${base2}/rolez`), "leadership after restart", {
    accept: (r) => r.body.data.role === "leader"
  });
  assert.equal(role2.body.data.term, 2, "a new process takes a new term");

  const resumed = await post(`${base2}/v1/system/resume`);
  assert.equal(resumed.body.data.mode, "running");
  await eventually(() => json(`${base2}/v1/system/state`), "claiming after resume", {
    accept: (r) => r.body.data.claiming === true
  });
});

test("without the loops the node serves the system routes but never leads", async (t) => {
  const dir = tempDir(t);
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const node = runtime(join(dir.root, "state"), codexd.baseUrl, false);
  t.after(() => node.stop());
  const base = (await node.start()).controlApi.localApiBase;
  const state = await json(`${base}/v1/system/state`);
  assert.equal(state.body.data.mode, "running");
  assert.equal(state.body.data.claiming, false);
  assert.equal(state.body.data.node.role, "standby");
  assert.equal((await json(`${base}/rolez`)).body.data.role, "standby");
});
