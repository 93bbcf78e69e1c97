import assert from "node:assert/strict";
import { get } from "node:http";
import test from "node:test";
import { fastify } from "fastify";
import { BrowserGuardErrorCodes, type BrowserGuardErrorCode } from "../src/error-codes.js";
import { installBrowserGuard } from "../src/install.js";

class Refusal extends Error {
  constructor(
    readonly code: BrowserGuardErrorCode,
    message: string
  ) {
    super(message);
  }
}

function guardedApp(options: { allowedOrigins?: string[]; port?: number } = {}) {
  const app = fastify();
  app.setErrorHandler((error, _request, reply) => {
    const refusal = error as Refusal;
    return reply
      .status(BrowserGuardErrorCodes[refusal.code])
      .send({ ok: false, error: { code: refusal.code, message: refusal.message } });
  });
  installBrowserGuard(app, {
    listen: { host: "127.0.0.1", port: options.port ?? 80 },
    allowedOrigins: options.allowedOrigins ?? [],
    fail: (code, message) => new Refusal(code, message)
  });
  app.get("/v1/thing", async () => ({ ok: true }));
  app.post("/v1/thing", async () => ({ ok: true }));
  return app;
}

test("inject's default Host (localhost:80) passes on a service configured for port 80", async () => {
  const app = guardedApp();
  const answer = await app.inject({ url: "/v1/thing" });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers["access-control-allow-origin"], undefined);
});

test("refusals carry the code and status from the table", async () => {
  const app = guardedApp({ port: 4319 });
  const rebinding = await app.inject({ url: "/v1/thing", headers: { host: "attacker.example:4319" } });
  assert.equal(rebinding.statusCode, 421);
  assert.equal(rebinding.json().error.code, "host_not_allowed");
  const csrf = await app.inject({
    method: "POST",
    url: "/v1/thing",
    headers: { host: "127.0.0.1:4319", origin: "http://attacker.example" },
    payload: {}
  });
  assert.equal(csrf.statusCode, 403);
  assert.equal(csrf.json().error.code, "origin_not_allowed");
  const proxied = await app.inject({
    url: "/v1/thing",
    headers: { host: "127.0.0.1:4319", "x-forwarded-for": "203.0.113.9" }
  });
  assert.equal(proxied.statusCode, 403);
  assert.equal(proxied.json().error.code, "forwarded_request_refused");
});

test("the port a listening service is bound to replaces a configured port 0", async (t) => {
  const app = guardedApp({ port: 0 });
  t.after(() => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const own = await fetch(`http://127.0.0.1:${port}/v1/thing`);
  assert.equal(own.status, 200);
  // fetch drops a Host header; node:http sends it as given.
  const status = await new Promise<number | undefined>((resolve, reject) => {
    get({ host: "127.0.0.1", port, path: "/v1/thing", headers: { host: "localhost:0" } }, (response) => {
      response.resume();
      resolve(response.statusCode);
    }).on("error", reject);
  });
  assert.equal(status, 421);
});

test("a configured origin gets a 204 preflight and CORS headers on the answer", async () => {
  const app = guardedApp({ allowedOrigins: ["https://dash.example"] });
  const preflight = await app.inject({
    method: "OPTIONS",
    url: "/v1/thing",
    headers: {
      origin: "https://dash.example",
      "access-control-request-method": "POST",
      "access-control-request-headers": "content-type"
    }
  });
  assert.equal(preflight.statusCode, 204);
  assert.equal(preflight.headers["access-control-allow-origin"], "https://dash.example");
  assert.equal(preflight.headers["access-control-max-age"], "600");
  const answer = await app.inject({
    method: "POST",
    url: "/v1/thing",
    headers: { origin: "https://dash.example" },
    payload: {}
  });
  assert.equal(answer.statusCode, 200);
  assert.equal(answer.headers["access-control-allow-origin"], "https://dash.example");
  assert.equal(answer.headers.vary, "Origin");
});
