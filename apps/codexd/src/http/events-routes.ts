import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { parseInput } from "@baa/api-errors";
import { MAX_QUERY_LIMIT } from "@baa/event-log";
import type { CodexdLocalService } from "../service.js";
import { eventsSocketHandler, eventsSocketQuery, type EventsSocketOptions } from "./events-socket.js";

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
export function registerEventsRoutes(app: FastifyInstance, service: CodexdLocalService, options: EventsSocketOptions = {}): void {
  const wsHandler = eventsSocketHandler(service.events, options);
  const handler = async (request: { query: unknown }) => {
    const query = parseInput(eventsQuery, request.query, "query");
    return { ok: true, data: await service.events.query(query) };
  };
  // The stream is always at the official path (the conductor relays that one); a configured
  // stream path serves it as well.
  app.route({ method: "GET", url: EVENTS_PATH, handler, wsHandler });
  const streamPath = service.config.service.eventStreamPath;
  if (streamPath !== EVENTS_PATH) app.get(streamPath, { websocket: true }, wsHandler);
}
