// The page and its live stream, without a browser (the Chromium test is in tests/status-api).
import assert from "node:assert/strict";
import { request } from "node:http";
import test from "node:test";
import { makeTempDir } from "@baa/test-support";
import { createStatusApp } from "../src/app.js";
import { normalizeStatusApiConfig } from "../src/config.js";
import { StatusApiRuntime } from "../src/runtime.js";
import { closedPortUrl, startFakeService } from "./helpers/fake-service.js";
import { codexdHandler, fullConductor } from "./helpers/fixtures.js";

// inject() sends `Host: localhost:80`; the guard accepts its own loopback names on its own port.
const INJECT_LISTEN = { localApiBase: "http://127.0.0.1:80" };

test("GET / serves the page with a policy that keeps it on its own origin; assets load; ETag revalidates", async () => {
  const dir = makeTempDir("status-api-page-");
  const app = createStatusApp({
    config: normalizeStatusApiConfig({
      ...INJECT_LISTEN,
      conductorBase: await closedPortUrl(),
      codexdBase: await closedPortUrl(),
      repoRoot: dir.root
    })
  });
  try {
    const page = await app.inject({ url: "/" });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers["content-type"]), /^text\/html/);
    assert.match(page.body, /<script src="\/assets\/page.js"/);
    const csp = String(page.headers["content-security-policy"]);
    assert.match(csp, /connect-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    for (const [url, type] of [
      ["/assets/page.js", /javascript/],
      ["/assets/page.css", /css/]
    ] as const) {
      const asset = await app.inject({ url });
      assert.equal(asset.statusCode, 200, url);
      assert.match(String(asset.headers["content-type"]), type);
      const again = await app.inject({ url, headers: { "if-none-match": String(asset.headers.etag) } });
      assert.equal(again.statusCode, 304);
    }
    // Every file the page names is served; diff2html's (versioned URL) with a year's cache.
    const named = [...page.body.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1]!);
    assert.ok(
      named.some((url) => /^\/assets\/diff2html\/\d+\.\d+\.\d+\/diff2html\.min\.js$/.test(url)),
      named.join(" ")
    );
    for (const url of named) {
      const asset = await app.inject({ url });
      assert.equal(asset.statusCode, 200, url);
      if (url.includes("/diff2html/"))
        assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable", url);
    }
    for (const url of ["/favicon.ico", "/favicon.svg"]) {
      const icon = await app.inject({ url });
      assert.equal(icon.statusCode, 200, url);
      assert.match(String(icon.headers["content-type"]), /^image\/svg\+xml/);
    }
    const health = await app.inject({ url: "/healthz" });
    assert.deepEqual(health.json(), {
      ok: true,
      data: { status: "ok", service: "status-api", nodeId: "mini-main" }
    });
    const missing = await app.inject({ url: "/nope" });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, "route_not_found");
  } finally {
    await app.close();
    dir.remove();
  }
});

test("GET /v1/status/stream sends the status document as server-sent events, again on each refresh", async () => {
  const conductor = await startFakeService(fullConductor);
  const codexd = await startFakeService(codexdHandler());
  const dir = makeTempDir("status-api-stream-");
  const runtime = new StatusApiRuntime({
    conductorBase: conductor.url,
    codexdBase: codexd.url,
    repoRoot: dir.root,
    localApiBase: "http://127.0.0.1:0",
    refreshMs: 50
  });
  try {
    const base = await runtime.start();
    const events = await new Promise<string[]>((resolve, reject) => {
      const req = request(`${base}/v1/status/stream`, (res) => {
        assert.equal(res.statusCode, 200);
        assert.match(String(res.headers["content-type"]), /^text\/event-stream/);
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
          const complete = text.split("\n\n").filter((block) => block.startsWith("event: status"));
          if (complete.length >= 2) {
            req.destroy();
            resolve(complete);
          }
        });
      });
      req.on("error", reject);
      req.end();
    });
    const doc = JSON.parse(events[0]!.split("\ndata: ")[1]!);
    assert.equal(doc.conductor.reachable, true);
    assert.equal(doc.codexd.pendingApprovals[0].approvalId, "approval-1");
  } finally {
    await runtime.stop();
    await conductor.close();
    await codexd.close();
    dir.remove();
  }
});
