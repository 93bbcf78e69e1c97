import { JsonStateFile, readJsonFile } from "@baa/state-files";
import { compileFilter, type CodexdEvent, type EventFilter } from "./event-log-filter.js";
import { queryEventFiles, type EventPage } from "./event-log-query.js";
import { EventSegments } from "./event-segments.js";

export { matches, type CodexdEvent, type EventFilter } from "./event-log-filter.js";
export { DEFAULT_QUERY_LIMIT, MAX_QUERY_LIMIT, type EventPage } from "./event-log-query.js";

interface RecentSnapshot {
  toJSON(): { events: CodexdEvent[]; updatedAt: string };
}

export type EventInput = Pick<CodexdEvent, "type"> & Partial<Pick<CodexdEvent, "sessionId" | "threadId" | "turnId" | "taskId" | "runId" | "data">>;

/** Gets each event and its JSON text (as logged, without the newline), so nobody serializes it twice. */
export type EventListener = (event: CodexdEvent, json: string) => void;

/** Default size at which the active log file is rotated into a segment. */
export const DEFAULT_EVENT_LOG_MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Default cap on all log files together; the oldest segments go first. */
export const DEFAULT_EVENT_LOG_MAX_TOTAL_BYTES = 256 * 1024 * 1024;

export interface EventLogOptions {
  /** The active JSON Lines file; rotated segments are written beside it. */
  logPath: string;
  /** The mirror of the in-memory ring (recent-events.json). */
  recentPath: string;
  /** How many events the in-memory ring keeps. */
  limit: number;
  now: () => number;
  /** Rotate the active file once it holds this many bytes (default 8 MiB). */
  maxFileBytes?: number;
  /** Delete the oldest segments while all files together exceed this (default 256 MiB). */
  maxTotalBytes?: number;
}

/** Extra knobs for `EventLog.query`. */
export interface QueryOptions {
  /** End the page once its events' serialized size reaches this (at least one event is returned). */
  maxBytes?: number;
}

/**
 * The event log: each event is appended to the JSON Lines files before anyone sees it, then kept
 * in a bounded in-memory ring (mirrored to recent-events.json) and handed to subscribers.
 * `query` reads the whole log on disk, not just the ring.
 */
export class EventLog {
  readonly #files: EventSegments;
  readonly #recentFile: JsonStateFile<RecentSnapshot>;
  // Serialized when written, not per event: a save only marks the file stale.
  readonly #recentSnapshot: RecentSnapshot = {
    toJSON: () => ({ events: this.#ring, updatedAt: new Date(this.#now()).toISOString() })
  };
  readonly #limit: number;
  readonly #now: () => number;
  readonly #listeners = new Set<EventListener>();
  #ring: CodexdEvent[];
  #lastSeq: number;

  constructor(options: EventLogOptions) {
    this.#files = new EventSegments({
      logPath: options.logPath,
      maxFileBytes: options.maxFileBytes ?? DEFAULT_EVENT_LOG_MAX_FILE_BYTES,
      maxTotalBytes: options.maxTotalBytes ?? DEFAULT_EVENT_LOG_MAX_TOTAL_BYTES
    });
    // A cache of the ring for `codexd status` while down; the JSON Lines log is the record.
    this.#recentFile = new JsonStateFile(options.recentPath, { delayMs: 2000, durable: false, pretty: false });
    this.#limit = options.limit;
    this.#now = options.now;
    const persisted = readRecentCache(options.recentPath);
    // recent-events.json is written lazily and the log eagerly; taking the higher of both means a
    // seq handed out before a crash is never handed out again.
    this.#lastSeq = Math.max(this.#files.recoverLastSeq(), persisted.at(-1)?.seq ?? 0);
    this.#ring = persisted.filter((event) => event.seq <= this.#lastSeq).slice(-this.#limit);
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  record(input: EventInput): CodexdEvent {
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
    this.#files.append(event.seq, `${json}\n`);
    this.#lastSeq = event.seq;
    this.#ring.push(event);
    if (this.#ring.length > this.#limit) this.#ring.splice(0, this.#ring.length - this.#limit);
    this.#recentFile.save(this.#recentSnapshot);
    for (const listener of this.#listeners) {
      try {
        listener(event, json);
      } catch {
        // a subscriber's failure is its own; the log and other subscribers go on
      }
    }
    return event;
  }

  /** Matching events from the in-memory ring only (the newest `limit` of them when set). */
  recent(filter: EventFilter = {}): CodexdEvent[] {
    const matched = this.#ring.filter(compileFilter(filter));
    return filter.limit === undefined ? matched : matched.slice(-filter.limit);
  }

  /**
   * One page of matching events from the whole log on disk, oldest first. `limit` defaults to
   * 200 and is capped at 1000; page on with `after: page.nextAfter` until it is null.
   * Throws a RangeError when `since`/`until` is not a time.
   */
  query(filter: EventFilter = {}, options: QueryOptions = {}): Promise<EventPage> {
    return queryEventFiles({ files: () => this.#files.files(), lastSeq: this.#lastSeq, maxBytes: options.maxBytes }, filter);
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

  /** Resolves once recent-events.json holds every event recorded so far. */
  recentSettled(): Promise<void> {
    return this.#recentFile.settled();
  }

  async close(): Promise<void> {
    await this.#recentFile.settled();
    this.#recentFile.flushSync();
    this.#files.close();
  }
}

// recent-events.json only caches the ring; the log is the record. A damaged cache is dropped.
function readRecentCache(path: string): CodexdEvent[] {
  try {
    return readJsonFile<{ events?: CodexdEvent[] }>(path, {}).events ?? [];
  } catch {
    return [];
  }
}
