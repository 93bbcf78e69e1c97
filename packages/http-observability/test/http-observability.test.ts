import assert from "node:assert/strict";
import test from "node:test";
import Fastify from "fastify";
import { Registry } from "prom-client";
import { z } from "zod";
import { installErrorHandling } from "@baa/api-errors";
import { installHttpMetrics, installOpenApi, registerMetricsRoute, websocketSchema, zodRoutes } from "../src/index.js";

function app() {
  const server = Fastify();
  const registry = new Registry();
  installErrorHandling(server);
  installOpenApi(server, {
    title: "sample",
    version: "1.2.3",
    description: "a sample",
    extraOperations: [{ method: "POST", path: "/v1/proxy/items/{item_id}", summary: "forwarded", websocket: false }]
  });
  installHttpMetrics(server, { registry, prefix: "sample_" });
  void server.register(async (scope) => {
    const routes = zodRoutes(scope);
    routes.get("/items/:item_id", { schema: { params: z.object({ item_id: z.string().min(2) }), querystring: z.object({ full: z.enum(["yes", "no"]).optional() }) } }, async (request) => ({
      ok: true,
      data: { id: request.params.item_id, full: request.query.full ?? null }
    }));
    routes.get("/stream", { schema: { summary: "a stream", ...websocketSchema("live things") } }, async () => ({ ok: true }));
    routes.all("/hidden/*", { schema: { hide: true } }, async () => ({ ok: true }));
    registerMetricsRoute(scope, registry);
  });
  return server;
}

test("the document lists the routes with their zod schemas, the marked stream, the extra operations, and nothing hidden", async () => {
  const server = app();
  const doc = (await server.inject({ url: "/openapi.json" })).json();
  assert.equal(doc.openapi, "3.0.3");
  assert.deepEqual(doc.info, { title: "sample", version: "1.2.3", description: "a sample" });
  const item = doc.paths["/items/{item_id}"].get;
  assert.deepEqual(
    item.parameters.map((p: { in: string; name: string; required?: boolean }) => [p.in, p.name, p.required === true]),
    [["query", "full", false], ["path", "item_id", true]]
  );
  assert.equal(doc.paths["/stream"].get["x-websocket"], true);
  assert.match(doc.paths["/stream"].get.description, /^WebSocket/);
  assert.deepEqual(doc.paths["/v1/proxy/items/{item_id}"].post.parameters, [{ name: "item_id", in: "path", required: true, schema: { type: "string" } }]);
  assert.ok(!Object.keys(doc.paths).some((path) => path.startsWith("/hidden")));
  assert.ok(doc.paths["/openapi.json"] && doc.paths["/metrics"], "the document lists itself and /metrics");
});

test("validation failures are the shared 400; metrics label requests by route pattern", async () => {
  const server = app();
  const bad = await server.inject({ url: "/items/x" });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json(), { ok: false, error: { code: "validation_failed", message: "invalid path: item_id: Too small: expected string to have >=2 characters" } });
  assert.deepEqual((await server.inject({ url: "/items/abc?full=yes" })).json(), { ok: true, data: { id: "abc", full: "yes" } });
  await server.inject({ url: "/items/def" });
  const text = (await server.inject({ url: "/metrics" })).body;
  assert.match(text, /^sample_http_requests_total\{method="GET",route="\/items\/:item_id",status="200"\} 2$/m);
  assert.match(text, /^sample_http_requests_total\{method="GET",route="\/items\/:item_id",status="400"\} 1$/m);
  assert.doesNotMatch(text, /abc|def/, "no raw URL in a label");
});
