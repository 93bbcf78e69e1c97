import type { Timers } from "@baa/clock";
import {
  JsonStateFile,
  keepWithinBytes,
  mayNearBudget,
  readJsonFile,
  type StateFs,
  type WriteHealth
} from "@baa/state-files";
import type { CodexdSession } from "./session.js";

/** Default byte budget of session-registry.json. */
export const DEFAULT_SESSION_REGISTRY_MAX_BYTES = 8 * 1024 * 1024;

export interface SessionRegistryOptions {
  path: string;
  now: () => number;
  lastSeq: () => number;
  health: WriteHealth;
  /** Byte budget of the file: closed and failed sessions are dropped (oldest first) to stay within it. */
  maxBytes?: number;
  fs?: StateFs;
  timers?: Timers;
}

interface RegistryFile {
  sessions: CodexdSession[];
  /** The last event seq recorded when this was written; later events may not be reflected. */
  lastSeq?: number;
  updatedAt: string | null;
}

/**
 * All sessions, by id and by thread id, persisted (atomically, coalesced) on every change. The
 * file has a byte budget: past it, the sessions longest closed or failed are dropped (their
 * history stays in the event log); active sessions are always kept.
 */
export class SessionRegistry {
  readonly #byId = new Map<string, CodexdSession>();
  readonly #byThread = new Map<string, CodexdSession>();
  readonly #file: JsonStateFile<{ toJSON(): RegistryFile }>;
  // Serialized when written, not per change: a save only marks the file stale. Taken in one
  // synchronous step, the sessions and `lastSeq` describe the same moment.
  readonly #snapshot = {
    toJSON: (): RegistryFile => ({
      sessions: this.#withinBudget(),
      lastSeq: this.#lastSeq(),
      updatedAt: new Date(this.#now()).toISOString()
    })
  };
  readonly #maxBytes: number;
  readonly #health: WriteHealth;
  /** How many sessions the last write held (with the file's size, a cheap size estimate). */
  #lastCount = 0;
  readonly #now: () => number;
  readonly #lastSeq: () => number;
  /** The event seq the file on disk had caught up with when codexd started. */
  readonly loadedAtSeq: number;

  constructor(options: SessionRegistryOptions) {
    this.#maxBytes = options.maxBytes ?? DEFAULT_SESSION_REGISTRY_MAX_BYTES;
    this.#health = options.health;
    // Changes coalesce; a finished turn is written at once. Writes run off the event loop.
    // What the file may lag behind (a turn that had just started) is rebuilt from the event
    // log at start.
    this.#file = new JsonStateFile(options.path, {
      delayMs: 250,
      pretty: false,
      health: this.#health,
      maxBytes: this.#maxBytes,
      fs: options.fs,
      timers: options.timers,
      now: options.now
    });
    this.#now = options.now;
    this.#lastSeq = options.lastSeq;
    const file = readJsonFile<RegistryFile>(options.path, { sessions: [], updatedAt: null });
    this.loadedAtSeq = file.lastSeq ?? 0;
    for (const session of file.sessions) this.#index(session);
  }

  /**
   * A new session; resolves once it is on disk, before anyone learns its id. When it cannot be
   * written, it is taken out again and the StateWriteError is thrown: nobody is told of a
   * session that is not saved.
   */
  async add(session: CodexdSession): Promise<void> {
    this.#index(session);
    this.persist({ urgent: true });
    try {
      await this.#file.written();
    } catch (error) {
      this.#unindex(session);
      this.persist();
      throw error;
    }
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

  /**
   * Applies a change to a session, stamps it and schedules the write (`urgent` for
   * transitions). A change that returns `false` changed nothing: no stamp, no write (streamed
   * deltas must not rewrite the file).
   */
  update(
    session: CodexdSession,
    // biome-ignore lint/suspicious/noConfusingVoidType: a change returns nothing, or false to skip the write
    change: (session: CodexdSession) => void | boolean,
    options: { urgent?: boolean } = {}
  ): void {
    if (change(session) === false) return;
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
    for (const session of dropped) this.#unindex(session);
    if (dropped.length > 0) this.persist();
    return dropped.map((s) => s.sessionId);
  }

  /** Starts writing the newest state now. */
  flushSoon(): void {
    this.persist({ urgent: true });
  }

  /** Resolves once everything changed so far is on disk, or at once while writes fail (readers). */
  settled(): Promise<void> {
    return this.#file.settled();
  }

  /** Resolves once everything changed so far is on disk; throws a StateWriteError if it is not. */
  written(): Promise<void> {
    return this.#file.written();
  }

  /** Shutdown: the last write, synchronously, once nothing is in flight. */
  async close(): Promise<void> {
    await this.#file.settled();
    this.#file.flushSync();
  }

  // Runs as the file is serialized: the sessions that fit the budget, dropping the longest
  // closed or failed ones from memory too.
  #withinBudget(): CodexdSession[] {
    const sessions = this.list();
    const last = { bytes: this.#file.bytes, count: this.#lastCount };
    this.#lastCount = sessions.length;
    if (!mayNearBudget(last, sessions.length, this.#maxBytes)) return sessions;
    const byAge = [...sessions].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    const { dropped } = keepWithinBytes(byAge, {
      maxBytes: this.#maxBytes - 128,
      droppable: (s) => s.status !== "active"
    });
    if (dropped.length === 0) return sessions;
    for (const session of dropped) this.#unindex(session);
    this.#health.logger.warn(
      { file: "session-registry.json", dropped: dropped.length, maxBytes: this.#maxBytes },
      "closed sessions dropped to keep the session registry within its byte budget"
    );
    this.#lastCount = this.#byId.size;
    return this.list();
  }

  #unindex(session: CodexdSession): void {
    this.#byId.delete(session.sessionId);
    if (this.#byThread.get(session.threadId) === session) this.#byThread.delete(session.threadId);
  }

  #index(session: CodexdSession): void {
    this.#byId.set(session.sessionId, session);
    this.#byThread.set(session.threadId, session);
  }
}
