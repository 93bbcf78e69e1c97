import type { CodexdEvent, EventLog } from "@baa/event-log";
import type { WebSocket } from "ws";
import { WsCloseCodes } from "@baa/http-server";
import type { TaskStreamObserver } from "../metrics/conductor-metrics.js";

export const CLOSE_SLOW_CONSUMER = WsCloseCodes.slowConsumer;
export const CLOSE_BAD_REQUEST = WsCloseCodes.badRequest;
export const CLOSE_NOT_FOUND = WsCloseCodes.notFound;
const CLOSE_INTERNAL = WsCloseCodes.internal;
const PAGE = 500;

/**
 * Streams a task's run events: with `after`, every recorded event of the task after that seq
 * is replayed from the log, then live ones follow with no gap and no duplicate; without it,
 * live events only. Subscribes before reading the log so nothing falls between the two.
 */
export function streamTaskEvents(options: {
  socket: WebSocket;
  events: Pick<EventLog, "subscribe" | "query" | "lastSeq">;
  taskId: string;
  after: number | undefined;
  maxBufferedBytes: number;
  /** Told when the stream opens, closes or is cut off (the metrics). */
  observer?: TaskStreamObserver;
}): void {
  const { socket, events, taskId, maxBufferedBytes, observer } = options;
  let held: { seq: number; json: string }[] | null = options.after === undefined ? null : [];
  let lastSent = options.after ?? events.lastSeq;
  let closed = false;

  const send = (seq: number, json: string) => {
    if (seq <= lastSent || closed) return;
    if (socket.bufferedAmount > maxBufferedBytes) {
      observer?.cutOff("slow_consumer");
      stop();
      socket.close(CLOSE_SLOW_CONSUMER, "client too slow");
      return;
    }
    lastSent = seq;
    socket.send(json);
  };
  const unsubscribe = events.subscribe((event: CodexdEvent, json: string) => {
    if (closed || event.taskId !== taskId) return;
    if (held !== null) held.push({ seq: event.seq, json });
    else send(event.seq, json);
  });
  const stop = () => {
    if (closed) return;
    closed = true;
    unsubscribe();
    observer?.closed();
  };
  observer?.opened();
  socket.on("close", stop);
  socket.on("error", stop);
  if (options.after === undefined) return;

  const upTo = events.lastSeq;
  const replay = async () => {
    let cursor = options.after as number;
    while (!closed && cursor < upTo) {
      const page = await events.query({ taskId, after: cursor, limit: PAGE });
      for (const event of page.events) if (event.seq <= upTo) send(event.seq, JSON.stringify(event));
      if (page.nextAfter === null) break;
      cursor = page.nextAfter;
    }
    // Synchronous switch-over: nothing recorded between the last page and going live is lost.
    const pending = held ?? [];
    held = null;
    for (const { seq, json } of pending) send(seq, json);
  };
  replay().catch(() => {
    if (closed) return;
    stop();
    socket.close(CLOSE_INTERNAL, "event replay failed");
  });
}
