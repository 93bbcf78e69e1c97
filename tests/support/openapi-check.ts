// A structural check of an OpenAPI 3.0 document (what a client generator relies on), and of the
// routes it lists against a service's real route table.
import assert from "node:assert/strict";
import type { ServiceRoute } from "./route-tables.js";

const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const PARAMETER_PLACES = new Set(["query", "header", "path", "cookie"]);

interface Operation {
  responses?: Record<string, { description?: unknown }>;
  parameters?: { name?: unknown; in?: unknown; required?: unknown; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  operationId?: unknown;
  summary?: unknown;
  security?: unknown;
  "x-websocket"?: unknown;
}

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; license?: { name?: unknown; url?: unknown } };
  servers?: { url?: unknown }[];
  security?: unknown;
  components?: { securitySchemes?: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

/** What a client generator names a call by: camelCase, starting lower-case. */
const OPERATION_ID = /^[a-z][A-Za-z0-9]*$/;

/**
 * Fails with every problem found: version, info (with a licence naming its URL), servers, paths,
 * operations (each with a camelCase operationId unique in the document, a summary, and its
 * security stated, by itself or by the document), parameters, bodies, responses.
 */
export function assertValidOpenApi3(value: unknown): asserts value is OpenApiDocument {
  const doc = value as Partial<OpenApiDocument>;
  if (typeof doc !== "object" || doc === null)
    throw new assert.AssertionError({ message: "the document is not an object" });
  const problems: string[] = headerProblems(doc);
  const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith("/")) problems.push(`path ${path} does not start with /`);
    if (/[:*]/.test(path)) problems.push(`path ${path} has a Fastify pattern, not an OpenAPI template`);
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (method === "parameters" || method === "summary" || method === "description") continue;
      if (!METHODS.has(method)) {
        problems.push(`${where}: ${method} is not an HTTP method OpenAPI knows`);
        continue;
      }
      problems.push(...operationProblems(where, operation, templated));
      if (typeof operation.operationId !== "string" || !OPERATION_ID.test(operation.operationId)) {
        problems.push(`${where}: operationId ${JSON.stringify(operation.operationId)} is not camelCase`);
      } else {
        if (operationIds.has(operation.operationId))
          problems.push(`${where}: operationId ${operation.operationId} repeated`);
        operationIds.add(operation.operationId);
      }
      const { summary } = operation;
      if (typeof summary !== "string" || summary.trim() === "") problems.push(`${where}: no summary`);
      problems.push(...securityProblems(where, operation.security ?? doc.security, schemes));
    }
  }
  problems.push(...refProblems(doc));
  assert.deepEqual(problems, [], "the document is not valid OpenAPI 3.0");
}

/** The version, info (with a licence naming its URL), servers and paths. */
function headerProblems(doc: Partial<OpenApiDocument>): string[] {
  const problems: string[] = [];
  if (typeof doc.openapi !== "string" || !/^3\.0\.\d+$/.test(doc.openapi))
    problems.push(`openapi is ${String(doc.openapi)}, not 3.0.x`);
  if (typeof doc.info?.title !== "string" || doc.info.title === "") problems.push("info.title missing");
  if (typeof doc.info?.version !== "string" || doc.info.version === "") problems.push("info.version missing");
  const license = doc.info?.license;
  if (typeof license?.name !== "string" || typeof license.url !== "string")
    problems.push("info.license without name and url");
  const servers = doc.servers ?? [];
  if (servers.length === 0 || servers.some((server) => typeof server.url !== "string"))
    problems.push("servers missing");
  if (typeof doc.paths !== "object" || doc.paths === null) problems.push("paths missing");
  return problems;
}

/** One operation's responses, parameters (every templated one declared) and request bodies. */
function operationProblems(
  where: string,
  operation: Operation,
  templated: readonly (string | undefined)[]
): string[] {
  const problems: string[] = [];
  const responses = Object.entries(operation.responses ?? {});
  if (responses.length === 0) problems.push(`${where}: no responses`);
  for (const [status, response] of responses) {
    if (status !== "default" && !/^[1-5](\d\d|XX)$/.test(status))
      problems.push(`${where}: response key ${status}`);
    if (typeof response.description !== "string")
      problems.push(`${where}: response ${status} has no description`);
  }
  for (const parameter of operation.parameters ?? []) {
    if (typeof parameter.name !== "string" || !PARAMETER_PLACES.has(String(parameter.in)))
      problems.push(`${where}: a parameter without name or place`);
    if (parameter.in === "path" && parameter.required !== true)
      problems.push(`${where}: path parameter ${String(parameter.name)} not required`);
    if (typeof parameter.schema !== "object")
      problems.push(`${where}: parameter ${String(parameter.name)} has no schema`);
  }
  for (const name of templated) {
    if (!(operation.parameters ?? []).some((parameter) => parameter.in === "path" && parameter.name === name))
      problems.push(`${where}: path parameter ${name} not declared`);
  }
  for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) {
    if (typeof media.schema !== "object" || media.schema === null)
      problems.push(`${where}: body ${type} has no schema`);
  }
  return problems;
}

/** Every $ref points at something the document has. */
function refProblems(doc: Partial<OpenApiDocument>): string[] {
  const refs: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (typeof node === "object" && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        if (key === "$ref" && typeof child === "string") refs.push(child);
        else walk(child);
      }
    }
  };
  walk(doc);
  const problems: string[] = [];
  for (const ref of refs) {
    const target = ref.startsWith("#/")
      ? ref
          .slice(2)
          .split("/")
          .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], doc)
      : undefined;
    if (target === undefined) problems.push(`$ref ${ref} points at nothing`);
  }
  return problems;
}

/** An operation's security: stated (by it or the document), naming only declared schemes. */
function securityProblems(where: string, security: unknown, schemes: ReadonlySet<string>): string[] {
  if (!Array.isArray(security)) return [`${where}: security not stated (on the operation or the document)`];
  const named = security.flatMap((requirement: unknown) => Object.keys(requirement as object));
  const undeclared = named.filter((name) => !schemes.has(name));
  return undeclared.map((name) => `${where}: security names ${name}, not in components.securitySchemes`);
}

/** `/v1/tasks/:task_id` as OpenAPI writes it: `/v1/tasks/{task_id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

/**
 * Every route of the table is in the document with its method, WebSocket routes marked
 * `x-websocket`; and the document lists nothing the table lacks (besides `extra`, operations
 * documented by hand, such as a proxy's pass-through routes).
 */
export function assertListsEveryRoute(
  doc: OpenApiDocument,
  routes: readonly ServiceRoute[],
  extra: readonly { method: string; path: string }[] = []
): void {
  const listed = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of Object.keys(item))
      if (METHODS.has(method)) listed.add(`${method.toUpperCase()} ${path}`);
  const expected = new Set<string>();
  const missingRoutes: string[] = [];
  const unmarked: string[] = [];
  for (const route of routes) {
    if (route.hidden) continue;
    const key = `${route.method} ${openApiPath(route.url)}`;
    expected.add(key);
    if (!listed.has(key)) missingRoutes.push(key);
    else if (
      route.websocket &&
      doc.paths[openApiPath(route.url)]?.[route.method.toLowerCase()]?.["x-websocket"] !== true
    )
      unmarked.push(key);
  }
  for (const operation of extra) expected.add(`${operation.method} ${openApiPath(operation.path)}`);
  assert.deepEqual(missingRoutes.sort(), [], "routes missing from /openapi.json");
  assert.deepEqual(unmarked.sort(), [], "WebSocket routes not marked x-websocket");
  assert.deepEqual(
    [...listed].filter((key) => !expected.has(key)).sort(),
    [],
    "operations in /openapi.json the service does not have"
  );
}
