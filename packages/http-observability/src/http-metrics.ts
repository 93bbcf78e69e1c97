import type { FastifyInstance } from "fastify";
import { Counter, Histogram, type Registry } from "prom-client";

/** Buckets of the request-duration histogram, in seconds. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Counts every answered request by method, route pattern and status, and times it. The label
 * is the route as registered (`/v1/tasks/:task_id`), never the raw URL, so the label set stays
 * bounded; a request no route matched is `unmatched`.
 */
export function installHttpMetrics(app: FastifyInstance, options: { registry: Registry; prefix: string }): void {
  const labelNames = ["method", "route", "status"] as const;
  const requests = new Counter({
    name: `${options.prefix}http_requests_total`,
    help: "HTTP requests answered, by method, route pattern and status code.",
    labelNames,
    registers: [options.registry]
  });
  const duration = new Histogram({
    name: `${options.prefix}http_request_duration_seconds`,
    help: "Time from receiving a request to sending its answer, by method, route pattern and status code.",
    labelNames,
    buckets: DURATION_BUCKETS,
    registers: [options.registry]
  });
  app.addHook("onResponse", async (request, reply) => {
    const labels = {
      method: request.method,
      route: request.routeOptions.url ?? "unmatched",
      status: String(reply.statusCode)
    };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
  });
}
