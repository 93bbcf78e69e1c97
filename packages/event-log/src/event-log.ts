import {
  DEFAULT_RETRY_POLICY,
  JsonStateFile,
  StateWriteError,
  readJsonFile,
  type RetryPolicy,
  type StateFs,
  type WriteHealth
} from "@baa/state-files";
import { backgroundTimers, type Timers } from "@baa/clock";
import { compileFilter, type CodexdEvent, type EventFilter } from "./event-log-filter.js";
import { queryEventFiles, type EventPage } from "./event-log-query.js";
import { EventSegments } from "./event-segments.js";
import { DEFAULT_MAX_TEXT_BYTES, isStreamingDelta, recentView, type RecentEvent } from "./event-view.js";
import { UnwrittenEvents } from "./unwritten-events.js";

export { matches, type CodexdEvent, type EventFilter } from "./event-log-filter.js";
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type EventPage } from "./event-log-query.js";

interface RecentSnapshot {
  toJSON(): { events: RecentEvent[]; updatedAt: string };
}

export type EventInput = Pick<CodexdEvent, "type"> &
  Partial<Pick<CodexdEvent, "sessionId" | "threadId" | "turnId" | "taskId" | "runId" | "data">>;

/**
 * Gets each event, its JSON text (as logged, without the newline), so nobody serializes it
 * twice, and its recent view (long strings cut, see `recentView`) with that view's size.
 */
export type EventListener = (
  event: CodexdEvent,
  json: string,
  recent: { view: RecentEvent; bytes: number }
) => void;

/** Default size at which the active log file is rotated into a segment. */
export const DEFAULT_EVENT_LOG_MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Default cap on all log files together; the oldest segments go first. */
export const DEFAULT_EVENT_LOG_MAX_TOTAL_BYTES = 256 * 1024 * 1024;
/** Default byte budget of the in-memory ring, and so of recent-events.json. */
export const DEFAULT_RECENT_MAX_BYTES = 4 * 1024 * 1024;

// The wrapper around the ring's events in recent-events.json (`{"events":[...],"updatedAt":…}`).
const RECENT_FILE_OVERHEAD = 128;

export interface EventLogOptions {
  /** The active JSON Lines file; rotated segments are written beside it. */
  logPath: string;
  /** The mirror of the in-memory ring (recent-events.json). */
  recentPath: string;
  /** How many events the in-memory ring keeps. */
  limit: number;
  /** How many bytes (of their recent views' JSON) the ring keeps; recent-events.json stays within it. */
  maxBytes?: number;
  /** Strings longer than this are cut in the recent views (default 16 KiB). */
  maxTextBytes?: number;
  now: () => number;
  /** Where failed writes are reported and logged. */
  health: WriteHealth;
  /** Rotate the active file once it holds this many bytes (default 8 MiB). */
  maxFileBytes?: number;
  /** Delete the oldest segments while all files together exceed this (default 256 MiB). */
  maxTotalBytes?: number;
  fs?: StateFs;
  timers?: Timers;
  retry?: RetryPolicy;
}

/** Extra knobs for `EventLog.query`. */
export interface QueryOptions {
  /** End the page once its events' serialized size reaches this (at least one event is returned). */
  maxBytes?: number;
}

/**
 * The event log: each event is appended to the JSON Lines files before anyone sees it, then kept
 * in a bounded in-memory ring (mirrored to recent-events.json) and handed to subscribers. The
 * log is the one complete record: the ring keeps recent views (long strings cut) and is bounded
 * by count and bytes. `query` reads the whole log on disk, not just the ring. When the log
 * cannot be written, events wait (bounded) and are retried; see `UnwrittenEvents`.
 */
export class EventLog {
  readonly #files: EventSegments;
  readonly #unwritten: UnwrittenEvents;
  readonly #recentFile: JsonStateFile<RecentSnapshot>;
  // Serialized when written, not per event: a save only marks the file stale.
  readonly #recentSnapshot: RecentSnapshot = {
    toJSON: () => ({
      events: this.#ring.map((entry) => entry.view),
      updatedAt: new Date(this.#now()).toISOString()
    })
  };
  readonly #limit: number;
  readonly #maxBytes: number;
  readonly #maxTextBytes: number;
  readonly #now: () => number;
  readonly #health: WriteHealth;
  readonly #logPath: string;
  readonly #listeners = new Set<EventListener>();
  #ring: { view: RecentEvent; bytes: number }[] = [];
  #ringBytes = 0;
  #lastSeq: number;

  constructor(options: EventLogOptions) {
    const health = options.health;
    this.#health = health;
    this.#logPath = options.logPath;
    const fs = options.fs;
    this.#files = new EventSegments({
      logPath: options.logPath,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_EVENT_LOG_MAX_FILE_BYTES,
      maxTotalBytes: options.maxTotalBytes ?? DEFAULT_EVENT_LOG_MAX_TOTAL_BYTES,
      fs,
      logger: health.logger
    });
    this.#now = options.now;
    const timers = options.timers ?? backgroundTimers;
    const retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#unwritten = new UnwrittenEvents({
      path: options.logPath,
      append: (seq, line) => this.#files.append(seq, line),
      health,
      timers,
      now: options.now,
      retry,
      maxBytes: options.maxFileBytes ?? DEFAULT_EVENT_LOG_MAX_FILE_BYTES
    });
    this.#limit = options.limit;
    this.#maxBytes = options.maxBytes ?? DEFAULT_RECENT_MAX_BYTES;
    this.#maxTextBytes = options.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES;
    // A cache of the ring for `codexd status` while down; the JSON Lines log is the record.
    this.#recentFile = new JsonStateFile(options.recentPath, {
      delayMs: 2000,
      durable: false,
      pretty: false,
      health,
      maxBytes: this.#maxBytes + RECENT_FILE_OVERHEAD,
      fs,
      timers,
      now: options.now,
      retry
    });
    const persisted = this.#readRecentCache(options.recentPath);
    // recent-events.json is written lazily and the log eagerly; taking the higher of both means a
    // seq handed out before a crash is never handed out again.
    this.#lastSeq = Math.max(this.#files.recoverLastSeq(), persisted.at(-1)?.seq ?? 0);
    for (const event of persisted) {
      if (event.seq > this.#lastSeq) continue;
      this.#remember(this.#viewOf(event, JSON.stringify(event)));
    }
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Bytes the ring holds now (its events' recent views, serialized). */
  get recentBytes(): number {
    return this.#ringBytes;
  }

  /** Events waiting to be written because the log refused them, and events dropped so. */
  get unwritten(): { waiting: number; lost: number } {
    return { waiting: this.#unwritten.count, lost: this.#unwritten.lost };
  }

  /**
   * Records an event: appended to the log (or, if the log refuses it, kept to be retried),
   * remembered in the ring and handed to subscribers. Never throws for a failed write; see
   * `recordDurably` for callers that must know.
   */
  record(input: EventInput): CodexdEvent {
    return this.#record(input).event;
  }

  /**
   * Like `record`, then throws a StateWriteError when the event is not on disk (it still
   * happened, and is retried): for answers that promise it was saved.
   */
  recordDurably(input: EventInput): CodexdEvent {
    const { event, written } = this.#record(input);
    if (!written) throw new StateWriteError([this.#logPath], this.#unwritten.lastError);
    return event;
  }

  /** Matching events from the in-memory ring only (the newest `limit` of them when set). */
  recent(filter: EventFilter = {}): RecentEvent[] {
    const keep = compileFilter(filter);
    const matched: RecentEvent[] = [];
    for (const entry of this.#ring) if (keep(entry.view)) matched.push(entry.view);
    return filter.limit === undefined ? matched : matched.slice(-filter.limit);
  }

  /**
   * One page of matching events from the whole log on disk, oldest first. `limit` defaults to
   * 200 and is capped at 1000; page on with `after: page.nextAfter` until it is null.
   * Throws a RangeError when `since`/`until` is not a time.
   */
  query(filter: EventFilter = {}, options: QueryOptions = {}): Promise<EventPage> {
    return queryEventFiles(
      { files: () => this.#files.files(), lastSeq: this.#lastSeq, maxBytes: options.maxBytes },
      filter
    );
  }

  /** How many subscribers are attached (live event streams among them). */
  get subscriberCount(): number {
    return this.#listeners.size;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Starts writing recent-events.json now (it is otherwise coalesced). */
  flushRecent(): void {
    this.#recentFile.save(this.#recentSnapshot, { urgent: true });
  }

  /** Resolves once recent-events.json holds every event recorded so far (or its writes are failing). */
  recentSettled(): Promise<void> {
    return this.#recentFile.settled();
  }

  async close(): Promise<void> {
    await this.#recentFile.settled();
    this.#recentFile.flushSync();
    this.#unwritten.close();
    this.#files.close();
  }

  #record(input: EventInput): { event: CodexdEvent; written: boolean } {
    const event: CodexdEvent = {
      seq: this.#lastSeq + 1,
      type: input.type,
      at: new Date(this.#now()).toISOString(),
      sessionId: input.sessionId ?? null,
      threadId: input.threadId ?? null,
      turnId: input.turnId ?? null,
      ...(input.taskId === undefined ? {} : { taskId: input.taskId }),
      ...(input.runId === undefined ? {} : { runId: input.runId }),
      data: input.data ?? null
    };
    const json = JSON.stringify(event);
    const written = this.#unwritten.write(event.seq, `${json}\n`);
    this.#lastSeq = event.seq;
    const recent = this.#viewOf(event, json);
    this.#remember(recent);
    // Deltas come by the hundred while a reply streams; the file catches up with the next
    // event that is not one, so it is never rewritten per delta.
    if (!isStreamingDelta(event.type)) this.#recentFile.save(this.#recentSnapshot);
    for (const listener of this.#listeners) {
      try {
        listener(event, json, recent);
      } catch (error) {
        // A subscriber's failure is its own; the log and the other subscribers go on.
        this.#health.logger.warn({ err: error, seq: event.seq }, "event subscriber failed");
      }
    }
    return { event, written };
  }

  #viewOf(event: CodexdEvent, json: string): { view: RecentEvent; bytes: number } {
    return recentView(event, {
      maxTextBytes: this.#maxTextBytes,
      maxEventBytes: Math.max(this.#maxTextBytes * 4, 1024),
      jsonBytes: Buffer.byteLength(json)
    });
  }

  #remember(entry: { view: RecentEvent; bytes: number }): void {
    this.#ring.push(entry);
    this.#ringBytes += entry.bytes + 1;
    let drop = 0;
    while (
      this.#ring.length - drop > 1 &&
      (this.#ring.length - drop > this.#limit || this.#ringBytes > this.#maxBytes)
    ) {
      this.#ringBytes -= (this.#ring[drop] as { bytes: number }).bytes + 1;
      drop += 1;
    }
    if (drop > 0) this.#ring.splice(0, drop);
  }

  // recent-events.json only caches the ring; the log is the record. A damaged cache is dropped.
  #readRecentCache(path: string): CodexdEvent[] {
    try {
      return readJsonFile<{ events?: CodexdEvent[] }>(path, {}).events ?? [];
    } catch (error) {
      this.#health.logger.warn(
        { file: path, err: error },
        "recent-events.json is unreadable; starting with an empty ring"
      );
      return [];
    }
  }
}
