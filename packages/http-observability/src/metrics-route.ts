// The route's operationId and summary are fields @fastify/swagger adds to Fastify's schema type.
import type {} from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import type { Registry } from "prom-client";

/** `GET /metrics`: the registry in Prometheus' text format. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  const summary = "Prometheus metrics of this service (text exposition format 0.0.4)";
  app.get(
    "/metrics",
    { schema: { operationId: "getMetrics", summary, tags: ["operations"] } },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).header("cache-control", "no-store").send(text);
    }
  );
}
