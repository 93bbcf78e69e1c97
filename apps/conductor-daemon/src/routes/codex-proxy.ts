import type {} from "@fastify/websocket";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { websocketSchema, type ExtraOperation } from "@baa/http-server";
import type { CodexdClient } from "../codexd/codexd-client.js";
import { conductorError } from "../errors.js";
import type { EventsRelay } from "../codexd/events-relay.js";

export interface CodexRoute {
  method: string;
  path: string;
}

/**
 * The codex routes the conductor serves. Any other `/v1/codex/*` path is forwarded as well;
 * this list is what the summary advertises. There is no runs route by design.
 */
export const CODEX_ROUTES: readonly CodexRoute[] = Object.freeze([
  { method: "GET", path: "/v1/codex" },
  { method: "GET", path: "/v1/codex/status" },
  { method: "GET", path: "/v1/codex/sessions" },
  { method: "POST", path: "/v1/codex/sessions" },
  { method: "GET", path: "/v1/codex/sessions/:session_id" },
  { method: "POST", path: "/v1/codex/sessions/:session_id/close" },
  { method: "POST", path: "/v1/codex/turn" },
  { method: "POST", path: "/v1/codex/turn/steer" },
  { method: "POST", path: "/v1/codex/turn/interrupt" },
  { method: "GET", path: "/v1/codex/approvals" },
  { method: "POST", path: "/v1/codex/approvals/:approval_id" },
  { method: "POST", path: "/v1/codex/child/restart" },
  { method: "GET", path: "/v1/codex/events" },
  { method: "WS", path: "/v1/codex/events" }
]);

const PREFIX = "/v1/codex";
const UPSTREAM_PREFIX = "/v1/codexd";

/** Forwards `/v1/codex/*` to codexd's `/v1/codexd/*` and relays `WS /v1/codex/events`. */
export function registerCodexProxy(
  app: FastifyInstance,
  deps: { codexd: CodexdClient; relay: EventsRelay }
): void {
  const forward = async (request: FastifyRequest, reply: FastifyReply) => {
    const [path = "", query] = splitUrl(request.url);
    const rest = path.slice(PREFIX.length);
    if (hasDotSegment(rest)) {
      throw conductorError("route_not_found", `no route for ${request.method} ${path}`);
    }
    const upstream = await deps.codexd.request({
      method: request.method,
      pathAndQuery: `${UPSTREAM_PREFIX}${rest}${query === undefined ? "" : `?${query}`}`,
      ...encodeBody(request),
      accept: headerValue(request.headers.accept) ?? "application/json",
      lazyJson: true
    });
    // codexd's own 404 would name its path; the caller asked for ours. Only a 404's body is parsed.
    if (
      upstream.status === 404 &&
      (upstream.json as { error?: { code?: string } } | undefined)?.error?.code === "route_not_found"
    ) {
      throw conductorError("route_not_found", `no route for ${request.method} ${path}`);
    }
    if (upstream.retryAfter !== undefined) void reply.header("retry-after", upstream.retryAfter);
    void reply.status(upstream.status);
    if (upstream.body.length === 0) return reply.send();
    // codexd's bytes as they came: no decoding and encoding again.
    return reply.type("application/json; charset=utf-8").send(upstream.body);
  };

  app.route({
    method: "GET",
    url: "/v1/codex/events",
    schema: {
      operationId: "getCodexEvents",
      summary: "codexd's event log (GET, forwarded) or its live stream (WebSocket, relayed)",
      tags: ["codex"],
      ...websocketSchema(
        "Relays codexd's WS /v1/codexd/events with the same query (after, sessionId, turnId, type); a plain GET is forwarded to GET /v1/codexd/events."
      )
    },
    handler: forward,
    wsHandler: (socket, request) => {
      const [, query] = splitUrl(request.url);
      deps.relay.attach(socket, query === undefined ? "" : `?${query}`);
    }
  });
  // Hidden from the document: every method on a wildcard. PROXIED_OPERATIONS lists what it serves.
  app.all("/v1/codex/*", { schema: { hide: true } }, forward);
}

/** Each proxied route's name in the document ("" for one missing here: the OpenAPI test says so). */
const PROXIED_OPERATION_IDS: Readonly<Record<string, string>> = {
  "GET /v1/codex/status": "getCodexStatus",
  "GET /v1/codex/sessions": "listCodexSessions",
  "POST /v1/codex/sessions": "createCodexSession",
  "GET /v1/codex/sessions/:session_id": "getCodexSession",
  "POST /v1/codex/sessions/:session_id/close": "closeCodexSession",
  "POST /v1/codex/turn": "startCodexTurn",
  "POST /v1/codex/turn/steer": "steerCodexTurn",
  "POST /v1/codex/turn/interrupt": "interruptCodexTurn",
  "GET /v1/codex/approvals": "listCodexApprovals",
  "POST /v1/codex/approvals/:approval_id": "answerCodexApproval",
  "POST /v1/codex/child/restart": "restartCodexChild"
};

/**
 * The proxied routes as OpenAPI operations (pass-through: codexd's own /openapi.json has their
 * schemas). `GET /v1/codex` and `/v1/codex/events` are routes of their own and listed as such.
 */
export const PROXIED_OPERATIONS: readonly ExtraOperation[] = CODEX_ROUTES.filter(
  (route) => route.method !== "WS" && route.path !== "/v1/codex" && route.path !== "/v1/codex/events"
).map((route) => ({
  method: route.method,
  path: route.path.replace(/:([A-Za-z_]+)/g, "{$1}"),
  operationId: PROXIED_OPERATION_IDS[`${route.method} ${route.path}`] ?? "",
  summary: `Forwarded verbatim to codexd's ${route.method} ${route.path.replace(PREFIX, UPSTREAM_PREFIX)}`,
  description:
    "Pass-through: the request (query and JSON body) goes to codexd unchanged and codexd's answer comes back as is; see codexd's GET /openapi.json for the schemas.",
  tags: ["codex"]
}));

function splitUrl(url: string): [string, string | undefined] {
  const index = url.indexOf("?");
  return index === -1 ? [url, undefined] : [url.slice(0, index), url.slice(index + 1)];
}

// URL parsing would fold `..` and reach codexd routes outside /v1/codexd.
function hasDotSegment(path: string): boolean {
  // Without a dot, a percent sign or a backslash no segment can be one (or decode to one).
  if (!/[.%\\]/.test(path)) return false;
  return path.split("/").some((segment) => {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      // keep the raw segment; codexd will reject it
    }
    return decoded === "." || decoded === ".." || decoded.includes("/") || decoded.includes("\\");
  });
}

function encodeBody(request: FastifyRequest): { body?: string; contentType?: string } {
  if (request.body === undefined) return {};
  const contentType = headerValue(request.headers["content-type"]) ?? "application/json";
  const body = typeof request.body === "string" ? request.body : JSON.stringify(request.body);
  return { body, contentType };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
