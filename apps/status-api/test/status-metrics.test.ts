// status-api's /metrics: what each status collection found (sources up, their latency) and its
// own HTTP requests, from one registry per app.
import assert from "node:assert/strict";
import test from "node:test";
import { tempDir } from "@baa/test-support";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { closedPortUrl, startFakeService } from "./helpers/fake-service.js";
import { codexdHandler } from "./helpers/fixtures.js";

test("a collection sets each source's up gauge and latency; requests are counted by route pattern", async (t) => {
  const codexd = await startFakeService(codexdHandler());
  t.after(() => codexd.close());
  const dir = tempDir(t, "status-api-metrics-");
  const config = normalizeStatusApiConfig({
    localApiBase: "http://127.0.0.1:80",
    conductorBase: await closedPortUrl(),
    codexdBase: codexd.url,
    sharedToken: "t".repeat(40),
    repoRoot: dir.root,
    sourceTimeoutMs: 2_000
  });
  const app = createStatusApp({ config });
  t.after(() => app.close());
  const status = await app.inject({ url: "/v1/status" });
  assert.equal(status.statusCode, 200);
  assert.equal(status.json().data.conductor.reachable, false);
  const text = (await app.inject({ url: "/metrics" })).body;
  assert.match(text, /^status_api_source_up\{source="codexd"\} 1$/m);
  assert.match(text, /^status_api_source_up\{source="conductor"\} 0$/m);
  assert.match(text, /^status_api_source_latency_seconds_count\{source="codexd"\} 1$/m);
  assert.match(text, /^status_api_collections_total 1$/m);
  assert.match(text, /^status_api_http_requests_total\{method="GET",route="\/v1\/status",status="200"\} 1$/m);
  const other = createStatusApp({ config });
  t.after(() => other.close());
  assert.doesNotMatch(
    (await other.inject({ url: "/metrics" })).body,
    /^status_api_collections_total [1-9]/m,
    "a second app has its own registry"
  );
});
