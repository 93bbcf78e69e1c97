// Builds a service's OpenAPI document from its recorded routes. Loaded on the first request for
// the document: @fastify/swagger (with its YAML and JSON-schema resolver) and the zod transform
// cost a service's start nothing.
import swagger from "@fastify/swagger";
import Fastify from "fastify";
import { createJsonSchemaTransform } from "fastify-type-provider-zod";
import {
  WEBSOCKET_EXTENSION,
  type DocumentRoute,
  type ExtraOperation,
  type OpenApiOptions
} from "./openapi-options.js";
import { zodSchemaController } from "./zod-routes.js";

interface OpenApiDocument {
  paths?: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

type Operation = Record<string, unknown>;

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const BEARER = "bearerAuth";

/**
 * The project's licence as the document states it: the repository is private and names no
 * licence (package.json `private: true`, no LICENSE file); npm's word for that is UNLICENSED.
 */
const DOCUMENT_LICENSE = {
  name: "UNLICENSED (private; no licence is granted)",
  url: "https://docs.npmjs.com/cli/v10/configuring-npm/package-json#license"
};

/**
 * The document as served, JSON text: the routes re-registered on a scratch Fastify instance
 * that has @fastify/swagger (so nothing is loaded into the app), then the operations added by
 * hand, the shared error responses and the access each operation needs.
 */
export async function buildOpenApiDocument(
  routes: readonly DocumentRoute[],
  options: OpenApiOptions
): Promise<string> {
  const { title, version, description } = options;
  const scratch = Fastify({ schemaController: zodSchemaController, exposeHeadRoutes: false });
  try {
    await scratch.register(swagger, {
      openapi: {
        openapi: "3.0.3",
        info: { title, version, description, license: DOCUMENT_LICENSE },
        servers: [{ url: "/", description: "The service that served this document" }]
      },
      transform: createJsonSchemaTransform({ skipList: [] }),
      transformObject: (input) => {
        if (!("openapiObject" in input)) throw new Error("only OpenAPI 3 documents are built");
        const listed = input.openapiObject as OpenApiDocument;
        const withExtra = withExtraOperations(listed, options.extraOperations ?? []);
        return withAccess(withErrorResponses(withExtra), options);
      }
    });
    const handler = async () => null;
    for (const { method, url, schema } of routes) {
      scratch.route({ method, url, ...(schema === undefined ? {} : { schema }), handler });
    }
    await scratch.ready();
    return JSON.stringify(scratch.swagger());
  } finally {
    await scratch.close();
  }
}

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

/** Each operation of the document replaced by `change(operation, method, path)`. */
function mapOperations(
  document: OpenApiDocument,
  change: (operation: Operation, method: string, path: string) => Operation
): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    paths[path] = Object.fromEntries(
      Object.entries(item).map(([method, operation]) => [
        method,
        HTTP_METHODS.has(method) ? change(operation as Operation, method, path) : operation
      ])
    );
  }
  return { ...document, paths };
}

// Every operation may fail with the shared envelope: 4XX and 5XX say so, pointing at one schema.
function withErrorResponses(document: OpenApiDocument): OpenApiDocument {
  const envelope = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
  const failures = {
    "4XX": { description: "refused: the error envelope", content: envelope },
    "5XX": { description: "failed: the error envelope", content: envelope }
  };
  const withFailures = mapOperations(document, (operation) => ({
    ...operation,
    responses: { ...failures, ...(operation.responses as object) }
  }));
  const schemas = { ...document.components?.schemas, Error: ERROR_SCHEMA };
  return { ...withFailures, components: { ...document.components, schemas } };
}

/**
 * With a bearer scheme: declared once, required by every operation that is not open (an open
 * one says `security: []`). Without: the document says no operation takes credentials.
 */
function withAccess(document: OpenApiDocument, options: OpenApiOptions): OpenApiDocument {
  const { bearer } = options;
  if (bearer === undefined) return { ...document, security: [] };
  const secured = mapOperations(document, (operation, method, path) => ({
    ...operation,
    security: bearer.isOpen(method.toUpperCase(), path) ? [] : [{ [BEARER]: [] }]
  }));
  const scheme = { type: "http", scheme: "bearer", description: bearer.description };
  return { ...secured, components: { ...secured.components, securitySchemes: { [BEARER]: scheme } } };
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
      operationId: operation.operationId,
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
