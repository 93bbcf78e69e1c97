import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { parseInput } from "@baa/api-errors";
import { websocketSchema } from "@baa/http-server";
import { MAX_QUERY_LIMIT } from "@baa/event-log";
import type { CodexdApi } from "./codexd-api.js";
import { eventsSocketHandler, eventsSocketQuery, type EventsSocketOptions } from "./events-socket.js";

export interface EventsRoutesOptions extends EventsSocketOptions {
  /** A further path serving the stream (`--event-stream-path`); the official path always does. */
  streamPath?: string;
}

const EVENTS_PATH = "/v1/codexd/events";
const isoTime = z.iso.datetime({ offset: true });

/** `GET /v1/codexd/events` query: the socket's filter plus a time window and a page size. */
export const eventsQuery = eventsSocketQuery.extend({
  since: isoTime.optional(),
  until: isoTime.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_QUERY_LIMIT).optional()
});

/**
 * `GET /v1/codexd/events?after=&sessionId=&turnId=&type=&since=&until=&limit=` pages through the
 * whole event log on disk; `WS` on the same path (and on a configured stream path) replays and
 * streams. GET and WS share one route, since a path takes one GET handler.
 */
export function registerEventsRoutes(
  app: FastifyInstance,
  api: CodexdApi,
  options: EventsRoutesOptions = {}
): void {
  const wsHandler = eventsSocketHandler(api.events, options);
  const handler = async (request: { query: unknown }) => {
    const query = parseInput(eventsQuery, request.query, "query");
    return { ok: true, data: await api.events.query(query) };
  };
  // The stream is always at the official path (the conductor relays that one); a configured
  // stream path serves it as well.
  // The query schema documents the route; the handlers parse it themselves, since a bad query
  // on the stream is a close with 4400, not an HTTP 400 to the upgrade request.
  const documentOnly = () => (data: unknown) => ({ value: data });
  const schema = {
    operationId: "getEvents",
    summary: "Page through the event log (GET), or replay and stream it (WebSocket)",
    tags: ["events"],
    ...websocketSchema(
      "Replays from `after` then streams live events; a bad query closes with 4400, a slow client with 4008. A plain GET pages through the log."
    ),
    querystring: eventsQuery
  };
  app.route({ method: "GET", url: EVENTS_PATH, schema, validatorCompiler: documentOnly, handler, wsHandler });
  const streamPath = options.streamPath ?? EVENTS_PATH;
  if (streamPath !== EVENTS_PATH) {
    const streamSchema = {
      operationId: "streamEventsAtConfiguredPath",
      summary: "The event stream at its configured path (WebSocket only)",
      tags: ["events"],
      ...websocketSchema("As GET /v1/codexd/events over WebSocket."),
      querystring: eventsSocketQuery
    };
    app.get(
      streamPath,
      { websocket: true, schema: streamSchema, validatorCompiler: documentOnly },
      wsHandler
    );
  }
}
