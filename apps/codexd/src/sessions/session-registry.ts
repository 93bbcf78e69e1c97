import { JsonStateFile, readJsonFile } from "@baa/state-files";
import type { CodexdSession } from "./session.js";

interface RegistryFile {
  sessions: CodexdSession[];
  /** The last event seq recorded when this was written; later events may not be reflected. */
  lastSeq?: number;
  updatedAt: string | null;
}

/** All sessions, by id and by thread id, persisted (atomically, coalesced) on every change. */
export class SessionRegistry {
  readonly #byId = new Map<string, CodexdSession>();
  readonly #byThread = new Map<string, CodexdSession>();
  readonly #file: JsonStateFile<{ toJSON(): RegistryFile }>;
  // Serialized when written, not per change: a save only marks the file stale. Taken in one
  // synchronous step, the sessions and `lastSeq` describe the same moment.
  readonly #snapshot = {
    toJSON: (): RegistryFile => ({ sessions: this.list(), lastSeq: this.#lastSeq(), updatedAt: new Date(this.#now()).toISOString() })
  };
  readonly #now: () => number;
  readonly #lastSeq: () => number;
  /** The event seq the file on disk had caught up with when codexd started. */
  readonly loadedAtSeq: number;

  constructor(options: { path: string; now: () => number; lastSeq: () => number }) {
    // Changes coalesce; a finished turn is written at once. Writes run off the event loop.
    // What the file may lag behind (a turn that had just started) is rebuilt from the event
    // log at start.
    this.#file = new JsonStateFile(options.path, { delayMs: 250, pretty: false });
    this.#now = options.now;
    this.#lastSeq = options.lastSeq;
    const file = readJsonFile<RegistryFile>(options.path, { sessions: [], updatedAt: null });
    this.loadedAtSeq = file.lastSeq ?? 0;
    for (const session of file.sessions) this.#index(session);
  }

  /** A new session; resolves once it is on disk, before anyone learns its id. */
  async add(session: CodexdSession): Promise<void> {
    this.#index(session);
    this.persist({ urgent: true });
    await this.#file.settled();
  }

  get(sessionId: string): CodexdSession | undefined {
    return this.#byId.get(sessionId);
  }

  byThread(threadId: string): CodexdSession | undefined {
    return this.#byThread.get(threadId);
  }

  list(): CodexdSession[] {
    return [...this.#byId.values()];
  }

  /** Applies a change to a session, stamps it and schedules the write (`urgent` for transitions). */
  update(session: CodexdSession, change: (session: CodexdSession) => void, options: { urgent?: boolean } = {}): void {
    change(session);
    session.updatedAt = new Date(this.#now()).toISOString();
    this.persist(options);
  }

  /** Points a session at a new app-server thread (one that never ran a turn has nothing to resume). */
  rebindThread(session: CodexdSession, threadId: string): void {
    this.#byThread.delete(session.threadId);
    this.update(
      session,
      (s) => {
        s.threadId = threadId;
      },
      { urgent: true }
    );
    this.#byThread.set(threadId, session);
  }

  persist(options: { urgent?: boolean } = {}): void {
    this.#file.save(this.#snapshot, options);
  }

  /**
   * Keeps at most `keep` sessions that are closed or failed, dropping the longest untouched;
   * their history stays in the event log. Returns the ids dropped.
   */
  pruneInactive(keep: number): string[] {
    const inactive = this.list()
      .filter((s) => s.status !== "active")
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    const dropped = inactive.slice(0, Math.max(0, inactive.length - keep));
    for (const session of dropped) {
      this.#byId.delete(session.sessionId);
      if (this.#byThread.get(session.threadId) === session) this.#byThread.delete(session.threadId);
    }
    if (dropped.length > 0) this.persist();
    return dropped.map((s) => s.sessionId);
  }

  /** Starts writing the newest state now. */
  flushSoon(): void {
    this.persist({ urgent: true });
  }

  /** Resolves once everything changed so far is on disk. */
  settled(): Promise<void> {
    return this.#file.settled();
  }

  /** Shutdown: the last write, synchronously, once nothing is in flight. */
  async close(): Promise<void> {
    await this.#file.settled();
    this.#file.flushSync();
  }

  #index(session: CodexdSession): void {
    this.#byId.set(session.sessionId, session);
    this.#byThread.set(session.threadId, session);
  }
}
