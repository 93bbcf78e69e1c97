import assert from "node:assert/strict";
import test from "node:test";
import Fastify, { type InjectOptions } from "fastify";
import { z } from "zod";
import { AppError, installErrorHandling, parseInput } from "../src/index.js";

function app() {
  const server = Fastify({ bodyLimit: 100 });
  installErrorHandling(server);
  server.post("/echo", async (request) => ({
    ok: true,
    data: parseInput(z.object({ name: z.string() }), request.body ?? {})
  }));
  server.get("/boom", async () => {
    throw new Error("secret detail at /srv/x.ts:10");
  });
  server.get("/limited", async () => {
    throw new AppError("too_many_requests", 429, "slow down", { headers: { "retry-after": "3" } });
  });
  return server;
}

test("every failure leaves as {ok:false,error:{code,message}} with the right status", async () => {
  const server = app();
  const cases: [InjectOptions, number, string][] = [
    [
      { method: "POST", url: "/echo", payload: "{bad", headers: { "content-type": "application/json" } },
      400,
      "invalid_json"
    ],
    [{ method: "POST", url: "/echo", payload: { name: 3 } }, 400, "validation_failed"],
    [{ method: "POST", url: "/echo", payload: { name: "x".repeat(200) } }, 413, "payload_too_large"],
    [
      { method: "POST", url: "/echo", payload: "name=x", headers: { "content-type": "text/csv" } },
      415,
      "unsupported_media_type"
    ],
    [{ method: "GET", url: "/nowhere" }, 404, "route_not_found"],
    [{ method: "GET", url: "/boom" }, 500, "internal"],
    [{ method: "GET", url: "/limited" }, 429, "too_many_requests"]
  ];
  for (const [request, status, code] of cases) {
    const response = await server.inject(request);
    assert.equal(response.statusCode, status, JSON.stringify(request));
    const body = response.json();
    assert.deepEqual(Object.keys(body.error).sort(), ["code", "message"]);
    assert.equal(body.ok, false);
    assert.equal(body.error.code, code);
  }
  const boom = await server.inject({ method: "GET", url: "/boom" });
  assert.doesNotMatch(boom.body, /secret detail/);
  assert.equal((await server.inject({ method: "GET", url: "/limited" })).headers["retry-after"], "3");
  const validation = await server.inject({ method: "POST", url: "/echo", payload: { name: 3 } });
  assert.match(validation.json().error.message, /name/);
});
