import assert from "node:assert/strict";
import test from "node:test";
import Fastify, { LogController } from "fastify";
import { Counter, Histogram, Registry } from "prom-client";
import { createHttpMetrics, DURATION_BUCKETS } from "../src/http-metrics.js";
import { installHttpMetrics, lazyChildLoggerFactory, registerMetricsRoute } from "../src/index.js";

test("metrics label requests by route pattern, never by the raw URL", async () => {
  const server = Fastify();
  const registry = new Registry();
  installHttpMetrics(server, { registry, prefix: "sample_" });
  void server.register(async (scope) => {
    scope.get<{ Params: { item_id: string } }>("/items/:item_id", async (request, reply) =>
      request.params.item_id.length < 2 ? reply.status(400).send({ ok: false }) : { ok: true }
    );
    registerMetricsRoute(scope, registry);
  });
  assert.equal((await server.inject({ url: "/items/x" })).statusCode, 400);
  await server.inject({ url: "/items/abc?full=yes" });
  await server.inject({ url: "/items/def" });
  const text = (await server.inject({ url: "/metrics" })).body;
  assert.match(
    text,
    /^sample_http_requests_total\{method="GET",route="\/items\/:item_id",status="200"\} 2$/m
  );
  assert.match(
    text,
    /^sample_http_requests_total\{method="GET",route="\/items\/:item_id",status="400"\} 1$/m
  );
  assert.doesNotMatch(text, /abc|def/, "no raw URL in a label");
});

test("the request metrics are exported exactly as prom-client's own counter and histogram would be", async () => {
  const ours = new Registry();
  const record = createHttpMetrics(ours, "x_");
  const reference = new Registry();
  const labelNames = ["method", "route", "status"] as const;
  const counter = new Counter({
    name: "x_http_requests_total",
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames,
    registers: [reference]
  });
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
  const server = Fastify({
    logger: { level: "info", stream },
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyChildLoggerFactory
  });
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
  assert.deepEqual<typeof lines>(lines, []);
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
