// The page's actions: forwarded to the conductor with the node's token, answers passed through,
// bad input refused here, an unreachable conductor reported in our own codes.
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { closedPortUrl, sendJson, startFakeService } from "./helpers/fake-service.js";
import { fullConductor } from "./helpers/fixtures.js";

// inject() sends `Host: localhost:80`; the guard accepts its own loopback names on its own port.
const INJECT_LISTEN = { localApiBase: "http://127.0.0.1:80" };

function tokenDir(token: string | undefined) {
  const dir = makeTempDir("status-api-actions-");
  if (token !== undefined) {
    mkdirSync(dir.path("state", "conductor"), { recursive: true });
    writeFileSync(dir.path("state", "conductor", "shared-token"), `${token}\n`, { mode: 0o600 });
  }
  return dir;
}

test("pause, resume and drain are forwarded with the token from the conductor's token file", async () => {
  const conductor = await startFakeService(fullConductor);
  const dir = tokenDir("file-token-".padEnd(40, "x"));
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: conductor.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root
    })
  });
  try {
    for (const action of ["pause", "resume", "drain"]) {
      const response = await app.inject({
        method: "POST",
        url: `/v1/system/${action}`,
        payload: { reason: "from the page" }
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(response.json().data, {
        forwarded: `/v1/system/${action}`,
        body: { reason: "from the page" }
      });
      const seen = conductor.requests.at(-1);
      assert.equal(seen?.method, "POST");
      assert.equal(seen?.headers.authorization, `Bearer ${"file-token-".padEnd(40, "x")}`);
    }
  } finally {
    await app.close();
    await conductor.close();
    dir.remove();
  }
});

test("an approval answer goes to the conductor's approvals route; its error answer passes through unchanged", async () => {
  const conductor = await startFakeService((request, res) => {
    if (request.url === "/v1/codex/approvals/approval-gone") {
      return sendJson(res, 410, {
        ok: false,
        error: { code: "approval_gone", message: "approval approval-gone is answered" }
      });
    }
    return fullConductor(request, res);
  });
  const dir = tokenDir(undefined);
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: conductor.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root
    })
  });
  try {
    const ok = await app.inject({
      method: "POST",
      url: "/v1/approvals/approval-1",
      payload: { decision: "accept" }
    });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json().data, {
      forwarded: "/v1/codex/approvals/approval-1",
      body: { decision: "accept" }
    });
    assert.equal(
      conductor.requests.at(-1)?.headers.authorization,
      undefined,
      "no token anywhere: none is sent"
    );

    const gone = await app.inject({
      method: "POST",
      url: "/v1/approvals/approval-gone",
      payload: { decision: "accept" }
    });
    assert.equal(gone.statusCode, 410);
    assert.equal(gone.json().error.code, "approval_gone");
  } finally {
    await app.close();
    await conductor.close();
    dir.remove();
  }
});

test("bad input is refused here with the field named, and never reaches the conductor", async () => {
  const conductor = await startFakeService(fullConductor);
  const dir = tokenDir(undefined);
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: conductor.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root
    })
  });
  try {
    const badDecision = await app.inject({
      method: "POST",
      url: "/v1/approvals/approval-1",
      payload: { decision: 7 }
    });
    assert.equal(badDecision.statusCode, 400);
    assert.equal(badDecision.json().error.code, "validation_failed");
    assert.match(badDecision.json().error.message, /decision/);

    const unknownKey = await app.inject({ method: "POST", url: "/v1/system/pause", payload: { mode: "x" } });
    assert.equal(unknownKey.statusCode, 400);
    assert.match(unknownKey.json().error.message, /mode/);

    const badId = await app.inject({
      method: "POST",
      url: "/v1/approvals/a%2F..%2Fb",
      payload: { decision: "accept" }
    });
    assert.equal(badId.statusCode, 400);
    assert.match(badId.json().error.message, /approval_id/);

    const notJson = await app.inject({
      method: "POST",
      url: "/v1/system/pause",
      headers: { "content-type": "application/json" },
      payload: "{"
    });
    assert.equal(notJson.statusCode, 400);
    assert.equal(notJson.json().error.code, "invalid_json");
    assert.equal(conductor.requests.length, 0);
  } finally {
    await app.close();
    await conductor.close();
    dir.remove();
  }
});

test("a conductor that is down or hung gives 503 conductor_unavailable or 504 conductor_timeout", async () => {
  const hung = await startFakeService(() => {});
  const dir = tokenDir(undefined);
  const down = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: await closedPortUrl(),
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root
    })
  });
  const slow = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: hung.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root,
      actionTimeoutMs: 100
    })
  });
  try {
    const refused = await down.inject({ method: "POST", url: "/v1/system/pause", payload: {} });
    assert.equal(refused.statusCode, 503);
    assert.equal(refused.json().error.code, "conductor_unavailable");
    const timedOut = await slow.inject({ method: "POST", url: "/v1/system/drain", payload: {} });
    assert.equal(timedOut.statusCode, 504);
    assert.equal(timedOut.json().error.code, "conductor_timeout");
  } finally {
    await down.close();
    await slow.close();
    await hung.close();
    dir.remove();
  }
});
