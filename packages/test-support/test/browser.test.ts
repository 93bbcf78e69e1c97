import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { createServer } from "node:http";
import { test } from "node:test";
import type { BrowserContext } from "playwright-core";
import { launchPage, watchPage } from "../src/browser.js";
import { closedPort, listenOnZero } from "../src/ports.js";
import { tempDir } from "../src/temp-dir.js";

test("launchPage opens headless Chromium in the profile; watchPage reports what goes wrong on the page", async (t) => {
  const down = await closedPort();
  // One page that does everything watchPage looks for: a console error, an uncaught error, a 404
  // from its own origin and a request to a port nothing listens on.
  const html = `<!doctype html><title>watched</title><script>
    console.error("boom");
    fetch("/missing");
    fetch("http://127.0.0.1:${down}/gone").catch(() => undefined);
    setTimeout(() => { throw new Error("thrown"); });
  </script>`;
  const server = createServer((request, response) => {
    if (request.url === "/") response.writeHead(200, { "content-type": "text/html" }).end(html);
    else response.writeHead(404).end();
  });
  // t.after hooks run in the order they are added: the browser closes before the server and its profile go.
  let context: BrowserContext | undefined;
  t.after(() => context?.close());
  const port = await listenOnZero(server);
  t.after(() => server.close());
  const dir = tempDir(t, "ts-browser-");

  const launched = await launchPage(dir.path("profile"));
  context = launched.context;
  const { page } = launched;
  assert.deepEqual(page.viewportSize(), { width: 1280, height: 1000 });
  assert.ok(readdirSync(dir.path("profile")).length > 0, "the profile is in the given directory");
  const seen = watchPage(page);
  // watchPage's listeners came first, so each of these resolves after it recorded the event.
  const reported = Promise.all([
    page.waitForEvent("console", (message) => message.text() === "boom"),
    page.waitForEvent("pageerror"),
    page.waitForEvent("requestfailed"),
    page.waitForResponse((response) => response.url().endsWith("/missing"))
  ]);
  await page.goto(`http://127.0.0.1:${port}/`);
  await reported;

  assert.ok(seen.console.includes("boom"), seen.console.join("\n"));
  assert.deepEqual(seen.errors, ["thrown"]);
  assert.equal(seen.failed.length, 1, seen.failed.join("\n"));
  assert.match(
    seen.failed[0]!,
    new RegExp(`^GET http://127\\.0\\.0\\.1:${down}/gone net::ERR_CONNECTION_REFUSED$`)
  );
  assert.deepEqual(seen.bad, ["404 GET /missing"]);
});
