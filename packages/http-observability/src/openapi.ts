import swagger from "@fastify/swagger";
import type { FastifyInstance } from "fastify";
import { createJsonSchemaTransform } from "fastify-type-provider-zod";
import { zodValidatorCompiler } from "@baa/api-errors";

/** An operation added by hand to the document: a route Fastify does not list one by one (a proxy). */
export interface ExtraOperation {
  method: string;
  /** OpenAPI path template (`/v1/codex/sessions/{session_id}`). */
  path: string;
  summary: string;
  description?: string;
  websocket?: boolean;
  tags?: string[];
}

export interface OpenApiOptions {
  title: string;
  version: string;
  description: string;
  /** Operations to add to those of the route table (documented pass-through routes). */
  extraOperations?: readonly ExtraOperation[];
}

/** The marker of a WebSocket route in the document (OpenAPI 3 has no word for one). */
export const WEBSOCKET_EXTENSION = "x-websocket";

/**
 * Request schemas of this app are zod schemas: Fastify validates with them (a failure is the
 * shared 400 `validation_failed` naming the field) and `GET /openapi.json` documents them.
 * Call before any route is registered: the document is built from the routes added after.
 */
export function installOpenApi(app: FastifyInstance, options: OpenApiOptions): void {
  app.setValidatorCompiler(zodValidatorCompiler);
  void app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: options.title, version: options.version, description: options.description }
    },
    transform: createJsonSchemaTransform({ skipList: [] }),
    transformObject: (input) => {
      if (!("openapiObject" in input)) throw new Error("only OpenAPI 3 documents are built");
      return withErrorResponses(withExtraOperations(input.openapiObject as OpenApiDocument, options.extraOperations ?? []));
    }
  });
  // In a plugin registered after swagger's, so the document lists this route as well.
  void app.register(async (scoped) => {
    scoped.get(
      "/openapi.json",
      { schema: { summary: "This document: the service's API in OpenAPI 3", tags: ["operations"] } },
      async (_request, reply) => reply.header("cache-control", "no-store").send(scoped.swagger())
    );
  });
}

/** A WebSocket route's schema keys: the marker and a description saying how to use it. */
export function websocketSchema(description: string): { description: string; [WEBSOCKET_EXTENSION]: true } {
  return { description: `WebSocket (send an Upgrade request). ${description}`, [WEBSOCKET_EXTENSION]: true };
}

interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

/** The envelope every failure of every service has (packages/api-errors). */
const ERROR_SCHEMA = {
  type: "object",
  required: ["ok", "error"],
  properties: {
    ok: { type: "boolean", enum: [false] },
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: { type: "string", description: "stable; every code is in docs/api/errors.md" },
        message: { type: "string", description: "for people; names the bad field of a 400" }
      }
    }
  }
};

// Every operation may fail with the shared envelope: 4XX and 5XX say so, pointing at one schema.
function withErrorResponses(document: OpenApiDocument): OpenApiDocument {
  const failure = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    paths[path] = Object.fromEntries(
      Object.entries(item).map(([method, operation]) => {
        if (!HTTP_METHODS.has(method)) return [method, operation];
        const op = operation as { responses?: Record<string, unknown> };
        return [method, { ...op, responses: { "4XX": failure("refused: the error envelope"), "5XX": failure("failed: the error envelope"), ...op.responses } }];
      })
    );
  }
  return { ...document, paths, components: { ...document.components, schemas: { ...document.components?.schemas, Error: ERROR_SCHEMA } } };
}

function withExtraOperations(document: OpenApiDocument, extra: readonly ExtraOperation[]): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = { ...document.paths };
  for (const operation of extra) {
    const pathItem = { ...paths[operation.path] };
    const method = operation.method.toLowerCase();
    const parameters = [...operation.path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
      name: match[1],
      in: "path",
      required: true,
      schema: { type: "string" }
    }));
    pathItem[method] = {
      summary: operation.summary,
      ...(operation.description === undefined ? {} : { description: operation.description }),
      ...(operation.tags === undefined ? {} : { tags: operation.tags }),
      ...(operation.websocket === true ? { [WEBSOCKET_EXTENSION]: true } : {}),
      ...(parameters.length === 0 ? {} : { parameters }),
      responses: { default: { description: "codexd's answer, forwarded verbatim" } }
    };
    paths[operation.path] = pathItem;
  }
  return { ...document, paths };
}
