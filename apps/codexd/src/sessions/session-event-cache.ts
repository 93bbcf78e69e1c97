import type { RecentEvent } from "@baa/event-log";

export interface SessionEventCacheOptions {
  /** Events kept per session. */
  perSession: number;
  /** Sessions kept; the least recently active is dropped first. */
  sessions: number;
  /** Bytes (of the events' recent views) kept per session (default 1 MiB). */
  perSessionBytes?: number;
  /** Bytes kept over all sessions; the least recently active sessions go first (default 16 MiB). */
  maxBytes?: number;
}

export const DEFAULT_SESSION_CACHE_SESSION_BYTES = 1024 * 1024;
export const DEFAULT_SESSION_CACHE_MAX_BYTES = 16 * 1024 * 1024;

interface Entry {
  events: { view: RecentEvent; bytes: number }[];
  bytes: number;
}

/**
 * The newest events of each recently active session, so reading one session's recent events
 * does not depend on how busy the others were (the shared ring is a single window). Holds the
 * events' recent views (long strings cut) and is bounded by counts and by bytes.
 */
export class SessionEventCache {
  readonly #bySession = new Map<string, Entry>();
  readonly #o: Required<SessionEventCacheOptions>;
  #bytes = 0;

  constructor(options: SessionEventCacheOptions) {
    this.#o = {
      perSession: options.perSession,
      sessions: options.sessions,
      perSessionBytes: options.perSessionBytes ?? DEFAULT_SESSION_CACHE_SESSION_BYTES,
      maxBytes: options.maxBytes ?? DEFAULT_SESSION_CACHE_MAX_BYTES
    };
  }

  /** Bytes held over all sessions. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Adds an event's recent view; `bytes` is its serialized size. */
  add(view: RecentEvent, bytes = Buffer.byteLength(JSON.stringify(view))): void {
    if (view.sessionId === null) return;
    let entry = this.#bySession.get(view.sessionId);
    if (entry === undefined) {
      entry = { events: [], bytes: 0 };
    } else {
      // Re-inserting moves the session to the newest end of the Map's order.
      this.#bySession.delete(view.sessionId);
    }
    entry.events.push({ view, bytes });
    entry.bytes += bytes;
    this.#bytes += bytes;
    let drop = 0;
    while (
      entry.events.length - drop > 1 &&
      (entry.events.length - drop > this.#o.perSession || entry.bytes > this.#o.perSessionBytes)
    ) {
      const old = entry.events[drop] as { bytes: number };
      entry.bytes -= old.bytes;
      this.#bytes -= old.bytes;
      drop += 1;
    }
    if (drop > 0) entry.events.splice(0, drop);
    this.#bySession.set(view.sessionId, entry);
    while (
      this.#bySession.size > 1 &&
      (this.#bySession.size > this.#o.sessions || this.#bytes > this.#o.maxBytes)
    ) {
      const oldest = this.#bySession.keys().next().value as string;
      this.#bytes -= (this.#bySession.get(oldest) as Entry).bytes;
      this.#bySession.delete(oldest);
    }
  }

  /** The session's cached events, oldest first; undefined when none are cached. */
  get(sessionId: string, limit = this.#o.perSession): RecentEvent[] | undefined {
    return this.#bySession
      .get(sessionId)
      ?.events.slice(-limit)
      .map((e) => e.view);
  }
}
