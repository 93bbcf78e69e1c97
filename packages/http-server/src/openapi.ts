import type { FastifyInstance, RouteOptions } from "fastify";
import { zodValidatorCompiler } from "@baa/api-errors";
import { WEBSOCKET_EXTENSION, type DocumentRoute, type OpenApiOptions } from "./openapi-options.js";

/**
 * Request schemas of this app are zod schemas: Fastify validates with them (a failure is the
 * shared 400 `validation_failed` naming the field) and `GET /openapi.json` documents them.
 * Call before any route is registered: the document lists the routes added after. It is built
 * on its first request (the builder and @fastify/swagger are loaded then, not at start) and
 * served from memory after.
 */
export function installOpenApi(app: FastifyInstance, options: OpenApiOptions): void {
  app.setValidatorCompiler(zodValidatorCompiler);
  const routes: DocumentRoute[] = [];
  app.addHook("onRoute", (route: RouteOptions) => {
    // Fastify adds a HEAD beside every GET; the document lists the GET only.
    if (route.method === "HEAD") return;
    routes.push({ method: route.method, url: route.url, schema: route.schema });
  });
  let document: Promise<string> | undefined;
  const serve = (): Promise<string> => {
    if (document === undefined) {
      document = import("./openapi-document.js").then((built) => built.buildOpenApiDocument(routes, options));
      // A failed build is answered as a 500 and tried again by the next request.
      document.catch(() => {
        document = undefined;
      });
    }
    return document;
  };
  // In a plugin, so the route is registered after the hook above and the document lists it too.
  void app.register(async (scoped) => {
    const summary = "This document: the service's API in OpenAPI 3";
    const schema = { operationId: "getOpenApiDocument", summary, tags: ["operations"] };
    scoped.get("/openapi.json", { schema }, async (_request, reply) =>
      reply
        .header("cache-control", "no-store")
        .type("application/json; charset=utf-8")
        .send(await serve())
    );
  });
}

/** A WebSocket route's schema keys: the marker and a description saying how to use it. */
export function websocketSchema(description: string): { description: string; [WEBSOCKET_EXTENSION]: true } {
  return { description: `WebSocket (send an Upgrade request). ${description}`, [WEBSOCKET_EXTENSION]: true };
}
