import type { FastifyInstance } from "fastify";
import type { WebSocket } from "ws";
import { parseInput, isAppError } from "@baa/api-errors";
import { matches, type CodexdEvent, type EventFilter } from "../event-log.js";
import type { CodexdLocalService } from "../service.js";
import { eventsQuery } from "./schemas.js";

/** A client whose unsent backlog passes this is cut off rather than held in memory. */
export const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const CLOSE_SLOW_CONSUMER = 4008;
export const CLOSE_BAD_REQUEST = 4400;

/**
 * `WS <eventStreamPath>?after=SEQ&sessionId=ID`: what is stored after SEQ first, then live
 * events. Replay and subscription happen in one synchronous step, so nothing is missed or sent
 * twice at the switch-over.
 */
export function registerEventsSocket(app: FastifyInstance, service: CodexdLocalService): void {
  app.get(service.config.service.eventStreamPath, { websocket: true }, (socket: WebSocket, request) => {
    let filter: EventFilter;
    try {
      const query = parseInput(eventsQuery, request.query, "query");
      filter = { after: query.after, sessionId: query.sessionId, turnId: query.turnId, type: query.type };
    } catch (error) {
      socket.close(CLOSE_BAD_REQUEST, isAppError(error) ? error.message.slice(0, 120) : "bad request");
      return;
    }
    let closed = false;
    const send = (event: CodexdEvent): void => {
      if (closed) return;
      if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        closed = true;
        unsubscribe();
        socket.close(CLOSE_SLOW_CONSUMER, `client too slow: more than ${MAX_BUFFERED_BYTES} bytes unsent`);
        return;
      }
      socket.send(JSON.stringify(event));
    };
    const live: EventFilter = { sessionId: filter.sessionId, turnId: filter.turnId, type: filter.type };
    for (const event of service.events.recent(filter)) send(event);
    const unsubscribe = service.events.subscribe((event) => {
      if (matches(event, live)) send(event);
    });
    socket.on("close", () => {
      closed = true;
      unsubscribe();
    });
    socket.on("error", () => {
      closed = true;
      unsubscribe();
    });
  });
}
