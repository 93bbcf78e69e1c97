import type { FastifyInstance } from "fastify";
import type { StatusDocument } from "../status-collector.js";
import type { StatusStream } from "../status-stream.js";

/** Unsent bytes a live-status client may hold before it is dropped (it reconnects). */
const MAX_STREAM_BUFFER = 4 * 1024 * 1024;

/** `/healthz`, `GET /v1/status` (one document) and `GET /v1/status/stream` (the same, live, as SSE). */
export function registerStatusRoutes(
  app: FastifyInstance,
  deps: {
    nodeId: string;
    collect: () => Promise<StatusDocument>;
    stream: StatusStream;
    streams: Set<() => void>;
  }
): void {
  app.get(
    "/healthz",
    { schema: { operationId: "getHealth", summary: "Liveness probe", tags: ["operations"] } },
    async () => ({ ok: true, data: { status: "ok", service: "status-api", nodeId: deps.nodeId } })
  );

  app.get(
    "/v1/status",
    {
      schema: {
        operationId: "getStatus",
        summary: "This node's status: identity, conductor and codexd, each marked reachable or not",
        tags: ["status"]
      }
    },
    async (_request, reply) => {
      void reply.header("cache-control", "no-store");
      return { ok: true, data: await deps.collect() };
    }
  );

  // Server-sent events: each refresh is one `status` event carrying the whole document.
  const streamSchema = {
    operationId: "streamStatus",
    summary: "The status document, live (server-sent events: one `status` event per refresh)",
    description: "text/event-stream; each `status` event's data is the document of GET /v1/status.",
    tags: ["status"]
  };
  app.get("/v1/status/stream", { schema: streamSchema }, (request, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-content-type-options": "nosniff"
    });
    res.write("retry: 1000\n\n");
    let closed = false;
    const end = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      deps.streams.delete(end);
      res.end();
    };
    const unsubscribe = deps.stream.subscribe((json) => {
      if (closed) return;
      if (res.writableLength > MAX_STREAM_BUFFER) {
        request.log.warn({ buffered: res.writableLength }, "live status client too slow; closing its stream");
        end();
        return;
      }
      res.write(`event: status\ndata: ${json}\n\n`);
    });
    deps.streams.add(end);
    request.raw.once("close", end);
  });
}
