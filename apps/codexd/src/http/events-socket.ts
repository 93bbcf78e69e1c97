import type { FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { z } from "zod";
import { isAppError, parseInput } from "@baa/api-errors";
import { WsCloseCodes, closeReason } from "@baa/http-server";
import { MAX_QUERY_LIMIT, type EventFilter } from "@baa/event-log";
import type { EventStreamObserver } from "../metrics/codexd-metrics.js";
import type { EventSource } from "./codexd-api.js";
import { EventFanout, type FanoutMember } from "./events-fanout.js";
import { rawSocketOf, type EventFrame, type FrameBatch } from "./ws-frames.js";

/** The default cap on a client's unsent bytes (socket buffer plus events held during replay). */
export const DEFAULT_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
export const CLOSE_SLOW_CONSUMER = WsCloseCodes.slowConsumer;
export const CLOSE_BAD_REQUEST = WsCloseCodes.badRequest;
const CLOSE_INTERNAL = WsCloseCodes.internal;
const REPLAY_PAGE_BYTES = 1024 * 1024;
// Frames batched in one synchronous step are written once this many bytes wait.
const BATCH_FLUSH_BYTES = 64 * 1024;
const TEXT = { binary: false } as const;

interface Corkable {
  cork(): void;
  uncork(): void;
}

export interface EventsSocketOptions {
  /** A client whose unsent backlog passes this many bytes is closed with 4008 (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Told when a stream opens, closes and is cut off (the metrics). */
  observer?: EventStreamObserver;
}

/** `?after=SEQ&sessionId=&turnId=&type=`: the stream's filter; without `after` it is live only. */
export const eventsSocketQuery = z.object({
  after: z.coerce.number().int().min(0).optional(),
  sessionId: z.string().min(1).max(200).optional(),
  turnId: z.string().min(1).max(200).optional(),
  type: z.string().min(1).max(200).optional()
});

/**
 * The handler of `WS /v1/codexd/events`: with `after`, every stored event after it is replayed
 * from the log files, then live events follow with no gap and no duplicate; without it, only
 * live events. A client that falls too far behind is closed with 4008, a bad query with 4400.
 * Live events reach every stream through one `EventFanout`: each event's frame is made once.
 */
export function eventsSocketHandler(events: EventSource, options: EventsSocketOptions = {}) {
  const maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
  const fanout = new EventFanout(events);
  return (socket: WebSocket, request: FastifyRequest): void => {
    let query: z.output<typeof eventsSocketQuery>;
    try {
      query = parseInput(eventsSocketQuery, request.query, "query");
    } catch (error) {
      socket.close(CLOSE_BAD_REQUEST, closeReason(isAppError(error) ? error.message : "bad request"));
      return;
    }
    const { after, ...filter } = query;
    // seq is never reused, so a client ahead of the log holds a seq from some other log; live
    // events up to its `after` would be skipped without a word.
    if (after !== undefined && after > events.lastSeq) {
      socket.close(
        CLOSE_BAD_REQUEST,
        closeReason(`after=${after} is beyond the last recorded seq ${events.lastSeq}`)
      );
      return;
    }
    new EventStream(socket, events, fanout, filter, maxBufferedBytes, options.observer).start(after);
  };
}

// One client's stream. It joins the fan-out before reading the log's last seq, so every later
// event reaches it; while the replay runs those are held, and dropped if already replayed.
class EventStream implements FanoutMember {
  readonly #socket: WebSocket;
  readonly #events: EventSource;
  readonly #fanout: EventFanout;
  readonly #filter: EventFilter;
  readonly #maxBytes: number;
  readonly #stopped: Promise<void>;
  readonly #observer: EventStreamObserver | undefined;
  #signalStopped: () => void = () => {};
  #unsubscribe: () => void = () => {};
  #closed = false;
  #corked = false;
  #replaying = false;
  #lastSent = 0;
  #held: EventFrame[] = [];
  #heldBytes = 0;

  constructor(
    socket: WebSocket,
    events: EventSource,
    fanout: EventFanout,
    filter: EventFilter,
    maxBytes: number,
    observer?: EventStreamObserver
  ) {
    this.#socket = socket;
    this.#observer = observer;
    this.#events = events;
    this.#fanout = fanout;
    this.#filter = filter;
    this.#maxBytes = maxBytes;
    this.#stopped = new Promise((resolve) => (this.#signalStopped = resolve));
  }

  start(after: number | undefined): void {
    this.#unsubscribe = this.#fanout.join(this.#filter, this);
    this.#observer?.opened();
    const upTo = this.#events.lastSeq;
    this.#socket.on("close", () => this.#stop());
    this.#socket.on("error", () => this.#stop());
    this.#lastSent = after ?? upTo;
    if (after === undefined || after >= upTo) return;
    this.#replaying = true;
    this.#replay(after, upTo).catch(() => {
      if (this.#closed) return;
      this.#stop();
      this.#socket.close(CLOSE_INTERNAL, "event replay failed");
    });
  }

  /** Live events the filter keeps, one step's worth, from the fan-out. */
  deliver(batch: FrameBatch): void {
    if (this.#closed) return;
    // Outstanding bytes are checked before this batch is added, so one big event alone never
    // cuts off a client that keeps up.
    if (this.#socket.bufferedAmount + this.#heldBytes > this.#maxBytes) {
      this.#cutOff();
      return;
    }
    if (this.#replaying) {
      for (const frame of batch.frames) this.#held.push(frame);
      this.#heldBytes += batch.bytes;
      return;
    }
    const raw = rawSocketOf(this.#socket);
    if (raw !== undefined && batch.firstSeq > this.#lastSent) {
      // The usual case: the whole step in one write of frames made once for every client.
      this.#lastSent = batch.lastSeq;
      raw.write(batch.whole);
      return;
    }
    for (const frame of batch.frames) if (frame.seq > this.#lastSent) this.#sendFrame(frame);
  }

  failed(): void {
    if (this.#closed) return;
    this.#stop();
    this.#socket.close(CLOSE_INTERNAL, "event stream failed");
  }

  async #replay(after: number, upTo: number): Promise<void> {
    let cursor = after;
    while (!this.#closed) {
      const page = await this.#events.query(
        { ...this.#filter, after: cursor, limit: MAX_QUERY_LIMIT },
        { maxBytes: REPLAY_PAGE_BYTES }
      );
      if (this.#closed) return;
      let flushed: Promise<void> | undefined;
      page.events.forEach((event, i) => {
        flushed = this.#send(event.seq, JSON.stringify(event), i === page.events.length - 1);
      });
      if (page.nextAfter === null || page.nextAfter >= upTo) break;
      cursor = page.nextAfter;
      // The next page is read only once this one left the process, so a slow reader holds back
      // the replay instead of piling it up in memory.
      await Promise.race([flushed, this.#stopped]);
    }
    if (this.#closed) return;
    // Synchronous switch-over: no live event can arrive between draining and going live.
    this.#replaying = false;
    const held = this.#held;
    this.#held = [];
    this.#heldBytes = 0;
    for (const frame of held) if (frame.seq > this.#lastSent) this.#sendFrame(frame);
  }

  // A frame made by the fan-out, written as it is (or its payload sent, should ws need to frame it).
  #sendFrame(frame: EventFrame): void {
    const raw = rawSocketOf(this.#socket);
    if (raw === undefined) {
      this.#send(frame.seq, frame.frame.subarray(frame.headerBytes));
      return;
    }
    this.#lastSent = frame.seq;
    raw.write(frame.frame);
  }

  #send(seq: number, data: string | Buffer, confirm = false): Promise<void> | undefined {
    this.#lastSent = seq;
    const raw = this.#batch();
    let sent: Promise<void> | undefined;
    if (!confirm) this.#socket.send(data, TEXT);
    else sent = new Promise((resolve) => this.#socket.send(data, TEXT, () => resolve()));
    // A burst leaves at once past a small batch, so held bytes never count much toward the
    // slow-consumer limit of a client that keeps up.
    if (raw !== undefined && this.#socket.bufferedAmount > BATCH_FLUSH_BYTES) this.#uncork(raw);
    return sent;
  }

  // Frames sent in one synchronous step leave in one write, once that step is done: a chunk of
  // app-server notifications costs one syscall, not one per event, and an answer being given
  // (a turn's 202 after its turn.accepted) goes out before the frames its step produced.
  #batch(): Corkable | undefined {
    const raw = (this.#socket as unknown as { _socket?: Corkable })._socket;
    if (typeof raw?.cork !== "function") return undefined;
    if (this.#corked) return raw;
    raw.cork();
    this.#corked = true;
    process.nextTick(() => this.#uncork(raw));
    return raw;
  }

  #uncork(raw: Corkable): void {
    if (!this.#corked) return;
    this.#corked = false;
    raw.uncork();
  }

  #cutOff(): void {
    this.#observer?.cutOff("slow_consumer");
    this.#stop();
    this.#socket.close(
      CLOSE_SLOW_CONSUMER,
      closeReason(`client too slow: more than ${this.#maxBytes} bytes unsent`)
    );
  }

  #stop(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    this.#observer?.closed();
    this.#held = [];
    this.#heldBytes = 0;
    this.#signalStopped();
  }
}
