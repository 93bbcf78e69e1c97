import { JsonStateFile, readJsonFile } from "@baa/state-files";
import type { CodexdSession } from "./session.js";

interface RegistryFile {
  sessions: CodexdSession[];
  updatedAt: string | null;
}

/** All sessions, by id and by thread id, persisted (atomically, coalesced) on every change. */
export class SessionRegistry {
  readonly #byId = new Map<string, CodexdSession>();
  readonly #byThread = new Map<string, CodexdSession>();
  readonly #file: JsonStateFile<RegistryFile>;
  readonly #now: () => number;

  constructor(options: { path: string; now: () => number }) {
    // Routine changes (token usage, last message) coalesce; transitions are saved as urgent.
    this.#file = new JsonStateFile(options.path, { delayMs: 250 });
    this.#now = options.now;
    for (const session of readJsonFile<RegistryFile>(options.path, { sessions: [], updatedAt: null }).sessions) {
      this.#index(session);
    }
  }

  /** A new session is on disk before anyone learns its id. */
  add(session: CodexdSession): void {
    this.#index(session);
    this.persist({ urgent: true });
    this.#file.flush();
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
    this.#file.save({ sessions: this.list(), updatedAt: new Date(this.#now()).toISOString() }, options);
  }

  flush(): void {
    this.#file.flush();
  }

  #index(session: CodexdSession): void {
    this.#byId.set(session.sessionId, session);
    this.#byThread.set(session.threadId, session);
  }
}
