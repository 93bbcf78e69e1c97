import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import test from "node:test";
import Fastify, { LogController } from "fastify";
import { Counter, Histogram, Registry } from "prom-client";
import { z } from "zod";
import { installErrorHandling } from "@baa/api-errors";
import { createHttpMetrics, DURATION_BUCKETS } from "../src/http-metrics.js";
import { installHttpMetrics, installOpenApi, lazyChildLoggerFactory, registerMetricsRoute, websocketSchema, zodRoutes } from "../src/index.js";

function app(access: { checked: string[] } = { checked: [] }) {
  const server = Fastify();
  const registry = new Registry();
  installErrorHandling(server);
  installOpenApi(server, {
    title: "sample",
    version: "1.2.3",
    description: "a sample",
    extraOperations: [
      { method: "POST", path: "/v1/proxy/items/{item_id}", operationId: "forwardItem", summary: "forwarded", websocket: false }
    ],
    bearer: {
      description: "the sample's token",
      isOpen: (method, path) => {
        access.checked.push(`${method} ${path}`);
        return path === "/stream";
      }
    }
  });
  installHttpMetrics(server, { registry, prefix: "sample_" });
  void server.register(async (scope) => {
    const routes = zodRoutes(scope);
    routes.get("/items/:item_id", { schema: { operationId: "getItem", summary: "an item", params: z.object({ item_id: z.string().min(2) }), querystring: z.object({ full: z.enum(["yes", "no"]).optional() }) } }, async (request) => ({
      ok: true,
      data: { id: request.params.item_id, full: request.query.full ?? null }
    }));
    const streamSchema = { operationId: "streamThings", summary: "a stream", ...websocketSchema("live things") };
    routes.get("/stream", { schema: streamSchema }, async () => ({ ok: true }));
    routes.all("/hidden/*", { schema: { hide: true } }, async () => ({ ok: true }));
    registerMetricsRoute(scope, registry);
  });
  return server;
}

test("the document lists the routes with their zod schemas, the marked stream, the extra operations, and nothing hidden", async () => {
  const server = app();
  const doc = (await server.inject({ url: "/openapi.json" })).json();
  assert.equal(doc.openapi, "3.0.3");
  assert.equal(doc.info.title, "sample");
  assert.equal(doc.info.version, "1.2.3");
  assert.match(doc.info.license.name, /UNLICENSED/);
  assert.match(doc.info.license.url, /^https:\/\//);
  assert.deepEqual(doc.servers.map((server: { url: string }) => server.url), ["/"]);
  assert.equal(doc.paths["/items/{item_id}"].get.operationId, "getItem");
  assert.equal(doc.paths["/v1/proxy/items/{item_id}"].post.operationId, "forwardItem");
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

test("the bearer scheme is declared and required by every operation but the open ones", async () => {
  const doc = (await app().inject({ url: "/openapi.json" })).json();
  const bearerAuth = { type: "http", scheme: "bearer", description: "the sample's token" };
  assert.deepEqual(doc.components.securitySchemes, { bearerAuth });
  assert.deepEqual(doc.paths["/items/{item_id}"].get.security, [{ bearerAuth: [] }]);
  const forwarded = doc.paths["/v1/proxy/items/{item_id}"].post;
  assert.deepEqual(forwarded.security, [{ bearerAuth: [] }], "operations added by hand too");
  assert.deepEqual(doc.paths["/stream"].get.security, [], "an open operation says it needs nothing");
  assert.equal(doc.security, undefined);
});

test("without a bearer scheme the document says no operation takes credentials", async () => {
  const server = Fastify();
  installOpenApi(server, { title: "loopback", version: "1", description: "trusts its peers" });
  const doc = (await server.inject({ url: "/openapi.json" })).json();
  assert.deepEqual(doc.security, []);
  assert.equal(doc.components.securitySchemes, undefined);
  assert.equal(doc.paths["/openapi.json"].get.operationId, "getOpenApiDocument");
});

test("the document is built on its first request, once, and served the same after", async () => {
  const access = { checked: [] as string[] };
  const server = app(access);
  await server.ready();
  assert.deepEqual(access.checked, [], "nothing is built at start");
  const read = () => server.inject({ url: "/openapi.json" });
  const [first, second] = await Promise.all([read(), read()]);
  const built = access.checked.length;
  assert.ok(built >= 4, `one check per operation (${built})`);
  assert.equal(new Set(access.checked).size, built, "built once for two requests at the same time");
  const third = await read();
  assert.equal(access.checked.length, built, "the third request is served from memory");
  assert.equal(first.body, second.body);
  assert.equal(first.body, third.body);
  assert.match(String(third.headers["content-type"]), /^application\/json/);
});

test("a service's start does not load @fastify/swagger; the first request for the document does", () => {
  // In a process of its own, with the built package: what a service loads is all it loads.
  const dist = new URL("../dist/index.js", import.meta.url).href;
  const script = `
    import { createRequire } from "node:module";
    import Fastify from "fastify";
    import { installOpenApi } from ${JSON.stringify(dist)};
    const cache = createRequire(import.meta.url).cache;
    const loaded = () => Object.keys(cache).some((file) => file.includes("@fastify/swagger"));
    const app = Fastify();
    installOpenApi(app, { title: "t", version: "1", description: "d" });
    await app.ready();
    const atStart = loaded();
    const reply = await app.inject({ url: "/openapi.json" });
    console.log(JSON.stringify({ atStart, afterRequest: loaded(), status: reply.statusCode }));
    await app.close();
  `;
  const cwd = fileURLToPath(new URL("..", import.meta.url));
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd, encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), { atStart: false, afterRequest: true, status: 200 });
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

test("the request metrics are exported exactly as prom-client's own counter and histogram would be", async () => {
  const ours = new Registry();
  const record = createHttpMetrics(ours, "x_");
  const reference = new Registry();
  const labelNames = ["method", "route", "status"] as const;
  const counter = new Counter({ name: "x_http_requests_total", help: "HTTP requests answered, by method, route pattern and status code.", labelNames, registers: [reference] });
  const histogram = new Histogram({
    name: "x_http_request_duration_seconds",
    help: "Time from receiving a request to sending its answer, by method, route pattern and status code.",
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [reference]
  });
  const both = (method: string, route: string, status: number, seconds: number) => {
    record(method, route, status, seconds);
    const labels = { method, route, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  };
  both("GET", "/a/:id", 200, 0.0004);
  both("GET", "/a/:id", 200, 0.001);
  both("POST", "/v1/codex/*", 202, 0.0123);
  both("GET", "unmatched", 404, 42);
  both("GET", "/a/:id", 200, 2.5);
  assert.equal(await ours.metrics(), await reference.metrics());
  // Counts taken after a scrape are added to what was exported.
  both("GET", "/a/:id", 500, 0.3);
  both("GET", "/a/:id", 200, 0.07);
  assert.equal(await ours.metrics(), await reference.metrics());
  assert.deepEqual(await ours.getMetricsAsJSON(), await reference.getMetricsAsJSON());
});

test("the lazy request logger writes lines with the request id, and builds no child for a request that does not log", async () => {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  const server = Fastify({ logger: { level: "info", stream }, logController: new LogController({ disableRequestLogging: true }), childLoggerFactory: lazyChildLoggerFactory });
  let children = 0;
  const child = server.log.child.bind(server.log);
  server.log.child = (...args: Parameters<typeof child>) => {
    children += 1;
    return child(...args);
  };
  server.get("/quiet", async (request) => {
    request.log.debug("dropped: below the level");
    return { ok: true };
  });
  server.get("/loud", async (request) => {
    request.log.info({ n: 1 }, "first");
    request.log.warn("second");
    return { ok: true, level: request.log.level };
  });
  await server.inject({ url: "/quiet" });
  assert.equal(children, 0);
  assert.deepEqual(lines, []);
  const loud = await server.inject({ url: "/loud" });
  assert.equal(loud.json().level, "info");
  assert.equal(children, 1, "one child for the request, built on its first line");
  assert.deepEqual(
    lines.map((line) => [line.msg, line.reqId, line.n]),
    [
      ["first", "req-2", 1],
      ["second", "req-2", undefined]
    ]
  );
  await server.close();
});
