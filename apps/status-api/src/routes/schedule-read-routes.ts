import type { FastifyInstance } from "fastify";
import { zodRoutes } from "@baa/http-server";
import { passThrough, type ConductorForwarder } from "./pass-through.js";

/** `GET /v1/schedules` forwarded with the node's token (read only: the page lists schedules and their next fire). */
export function registerScheduleReadRoutes(
  scope: FastifyInstance,
  deps: { forward: ConductorForwarder }
): void {
  const app = zodRoutes(scope);
  app.get(
    "/v1/schedules",
    {
      schema: {
        operationId: "listSchedules",
        summary: "Every schedule with its next fire (forwarded)",
        tags: ["schedules (forwarded)"]
      }
    },
    async (_request, reply) =>
      passThrough(
        reply.header("cache-control", "no-store"),
        await deps.forward({ method: "GET", path: "/v1/schedules" })
      )
  );
}
