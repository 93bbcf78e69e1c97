// GET /v1/schedules on the status API: the conductor's list forwarded with the node's token, for
// the page's Schedules panel.
import assert from "node:assert/strict";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { closedPortUrl, sendJson, startFakeService } from "./helpers/fake-service.js";

const TOKEN = "node-token-".padEnd(40, "x");
const SCHEDULES = {
  ok: true,
  data: {
    schedules: [
      {
        scheduleId: "schedule-1",
        name: "nightly",
        cron: "0 3 * * *",
        timezone: "UTC",
        paused: false,
        catchUp: "one",
        nextFireAt: "2030-01-02T03:00:00.000Z",
        lastFireAt: null,
        lastTaskId: null,
        task: { title: "t", prompt: "p" }
      }
    ]
  }
};

test("GET /v1/schedules is forwarded with the token and its answer passed through, not cached", async () => {
  const conductor = await startFakeService((request, response) => {
    if (request.method === "GET" && request.url === "/v1/schedules") sendJson(response, 200, SCHEDULES);
    else sendJson(response, 404, { ok: false, error: { code: "route_not_found", message: request.url } });
  });
  const dir = makeTempDir("status-api-schedules-");
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      localApiBase: "http://127.0.0.1:80",
      conductorBase: conductor.url,
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root,
      sharedToken: TOKEN
    })
  });
  try {
    const answer = await app.inject({ method: "GET", url: "/v1/schedules" });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.deepEqual(answer.json(), SCHEDULES);
    assert.equal(answer.headers["cache-control"], "no-store");
    const seen = conductor.requests.find((r) => r.url === "/v1/schedules");
    assert.equal(seen?.headers.authorization, `Bearer ${TOKEN}`);
  } finally {
    await app.close();
    await conductor.close();
    dir.remove();
  }
});
