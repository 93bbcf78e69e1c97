import assert from "node:assert/strict";
import test from "node:test";
import { closedPort } from "@baa/test-support";
import { startFakeCodexd } from "./helpers/fake-codexd.js";
import { buildApp } from "./helpers/conductor.js";

test("healthz answers without codexd", async (t) => {
  const app = buildApp(`http://127.0.0.1:${await closedPort()}`, { nodeId: "node-a" });
  t.after(() => app.close());
  const response = await app.inject({ url: "/healthz" });
  assert.equal(response.statusCode, 200);
  assert.deepEqual(response.json(), {
    ok: true,
    data: { status: "ok", service: "conductor-daemon", nodeId: "node-a" }
  });
});

test("readyz is 200 with codexd reachable and 503 not_ready without it", async (t) => {
  const codexd = await startFakeCodexd();
  t.after(() => codexd.close());
  const app = buildApp(codexd.baseUrl);
  t.after(() => app.close());
  const ready = await app.inject({ url: "/readyz" });
  assert.equal(ready.statusCode, 200);
  assert.deepEqual(ready.json(), {
    ok: true,
    data: { ready: true, checks: { codexd: { reachable: true } } }
  });

  const down = `http://127.0.0.1:${await closedPort()}`;
  const downApp = buildApp(down);
  t.after(() => downApp.close());
  const notReady = await downApp.inject({ url: "/readyz" });
  assert.equal(notReady.statusCode, 503);
  assert.deepEqual(notReady.json(), {
    ok: false,
    error: { code: "not_ready", message: `codexd is not reachable at ${down}` }
  });
});

test("rolez without a lease keeper (an app built without a store) says standby at term 0", async (t) => {
  const base = `http://127.0.0.1:${await closedPort()}`;
  const app = buildApp(base, { nodeId: "p", role: "primary" });
  t.after(() => app.close());
  assert.deepEqual((await app.inject({ url: "/rolez" })).json(), {
    ok: true,
    data: {
      role: "standby",
      nodeId: "p",
      leaseTerm: 0,
      term: 0,
      holder: null,
      expiresAt: null,
      validUntil: null
    }
  });
});
