// The browser guard on status-api: the attacks of issue 7 refused on the status and action
// routes alike; the page's own origin, no Origin, and a remote peer with the token still work.
import assert from "node:assert/strict";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { closedPortUrl, startFakeService } from "./helpers/fake-service.js";
import { fullConductor } from "./helpers/fixtures.js";

const TOKEN = "k".repeat(48);
const OWN = { host: "127.0.0.1:4318" };

async function guarded(options: { remote?: boolean } = {}) {
  const conductor = await startFakeService(fullConductor);
  const dir = makeTempDir("status-api-access-");
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      conductorBase: conductor.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root,
      sharedToken: TOKEN
    }),
    ...(options.remote ? { isTrustedAddress: () => false } : {})
  });
  return {
    app,
    conductor,
    close: async () => {
      await app.close();
      await conductor.close();
      dir.remove();
    }
  };
}

test("a foreign Origin is refused 403 origin_not_allowed on the status and on an action; nothing is forwarded", async () => {
  const { app, conductor, close } = await guarded();
  try {
    const read = await app.inject({
      url: "/v1/status",
      headers: { ...OWN, origin: "http://attacker.example" }
    });
    assert.equal(read.statusCode, 403);
    assert.equal(read.json().error.code, "origin_not_allowed");
    const act = await app.inject({
      method: "POST",
      url: "/v1/system/pause",
      headers: { ...OWN, origin: "http://attacker.example" },
      payload: {}
    });
    assert.equal(act.statusCode, 403);
    assert.equal(conductor.requests.length, 0);
  } finally {
    await close();
  }
});

test("a rebinding Host is refused 421 host_not_allowed; localhost and the page's own origin pass", async () => {
  const { app, close } = await guarded();
  try {
    const rebound = await app.inject({ url: "/v1/status", headers: { host: "attacker.example:4318" } });
    assert.equal(rebound.statusCode, 421);
    assert.equal(rebound.json().error.code, "host_not_allowed");
    const page = await app.inject({ url: "/", headers: { host: "attacker.example:4318" } });
    assert.equal(page.statusCode, 421, "the page too");
    const local = await app.inject({
      method: "POST",
      url: "/v1/system/pause",
      headers: { host: "localhost:4318", origin: "http://localhost:4318" },
      payload: {}
    });
    assert.equal(local.statusCode, 200, local.body);
    const health = await app.inject({ url: "/healthz", headers: { host: "anything.example" } });
    assert.equal(health.statusCode, 200);
  } finally {
    await close();
  }
});

test("a loopback request carrying proxy headers needs the token; with it, it passes", async () => {
  const { app, close } = await guarded();
  try {
    const proxied = await app.inject({
      url: "/v1/status",
      headers: { ...OWN, "x-forwarded-for": "203.0.113.9" }
    });
    assert.equal(proxied.statusCode, 401);
    assert.equal(proxied.json().error.code, "unauthorized");
    const withToken = await app.inject({
      url: "/v1/status",
      headers: { ...OWN, "x-forwarded-for": "203.0.113.9", authorization: `Bearer ${TOKEN}` }
    });
    assert.equal(withToken.statusCode, 200);
  } finally {
    await close();
  }
});

test("a remote peer needs the node's token, whatever Host it uses", async () => {
  const { app, close } = await guarded({ remote: true });
  try {
    assert.equal((await app.inject({ url: "/v1/status", headers: OWN })).statusCode, 401);
    assert.equal(
      (await app.inject({ url: "/v1/status", headers: { ...OWN, authorization: "Bearer wrong" } }))
        .statusCode,
      401
    );
    const ok = await app.inject({
      url: "/v1/status",
      headers: { host: "mini.tailnet.example:4318", authorization: `Bearer ${TOKEN}` }
    });
    assert.equal(ok.statusCode, 200);
  } finally {
    await close();
  }
});
