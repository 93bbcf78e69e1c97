import type { CodexdEvent } from "@baa/event-log";

/**
 * The newest events of each recently active session, so reading one session's recent events
 * does not depend on how busy the others were (the shared ring is a single window). Bounded:
 * `perSession` events for each of at most `sessions` sessions, least recently active dropped.
 */
export class SessionEventCache {
  readonly #bySession = new Map<string, CodexdEvent[]>();
  readonly #perSession: number;
  readonly #sessions: number;

  constructor(options: { perSession: number; sessions: number }) {
    this.#perSession = options.perSession;
    this.#sessions = options.sessions;
  }

  add(event: CodexdEvent): void {
    if (event.sessionId === null) return;
    let events = this.#bySession.get(event.sessionId);
    if (events === undefined) {
      events = [];
    } else {
      // Re-inserting moves the session to the newest end of the Map's order.
      this.#bySession.delete(event.sessionId);
    }
    events.push(event);
    if (events.length > this.#perSession) events.splice(0, events.length - this.#perSession);
    this.#bySession.set(event.sessionId, events);
    if (this.#bySession.size > this.#sessions) {
      const oldest = this.#bySession.keys().next().value;
      if (oldest !== undefined) this.#bySession.delete(oldest);
    }
  }

  /** The session's cached events, oldest first; undefined when none are cached. */
  get(sessionId: string, limit = this.#perSession): CodexdEvent[] | undefined {
    return this.#bySession.get(sessionId)?.slice(-limit);
  }
}
