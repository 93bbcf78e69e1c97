import { closeSync, openSync, readSync, fstatSync } from "node:fs";
import { JsonLinesFile, JsonStateFile, readJsonFile } from "@baa/state-files";

/** One recorded event. `seq` grows by one per event and is never reused, also across restarts. */
export interface CodexdEvent {
  seq: number;
  type: string;
  at: string;
  sessionId: string | null;
  threadId: string | null;
  turnId: string | null;
  data: unknown;
}

export type EventInput = Pick<CodexdEvent, "type"> & Partial<Pick<CodexdEvent, "sessionId" | "threadId" | "turnId" | "data">>;

export interface EventFilter {
  after?: number;
  sessionId?: string;
  turnId?: string;
  type?: string;
  limit?: number;
}

export type EventListener = (event: CodexdEvent) => void;

/**
 * The event log: each event is appended to the JSON Lines file before anyone sees it, then kept
 * in a bounded in-memory ring (mirrored to recent-events.json) and handed to subscribers.
 */
export class EventLog {
  readonly #file: JsonLinesFile;
  readonly #recentFile: JsonStateFile<{ events: CodexdEvent[]; updatedAt: string }>;
  readonly #limit: number;
  readonly #now: () => number;
  readonly #listeners = new Set<EventListener>();
  #ring: CodexdEvent[];
  #lastSeq: number;

  constructor(options: { logPath: string; recentPath: string; limit: number; now: () => number }) {
    this.#file = new JsonLinesFile(options.logPath);
    this.#recentFile = new JsonStateFile(options.recentPath);
    this.#limit = options.limit;
    this.#now = options.now;
    const persisted = readJsonFile<{ events?: CodexdEvent[] }>(options.recentPath, {}).events ?? [];
    this.#lastSeq = Math.max(readLastSeq(options.logPath), persisted.at(-1)?.seq ?? 0);
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
      data: input.data ?? null
    };
    this.#file.append(event);
    this.#lastSeq = event.seq;
    this.#ring.push(event);
    if (this.#ring.length > this.#limit) this.#ring.splice(0, this.#ring.length - this.#limit);
    this.#recentFile.save({ events: this.#ring.slice(), updatedAt: event.at });
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // a subscriber's failure is its own; the log and other subscribers go on
      }
    }
    return event;
  }

  recent(filter: EventFilter = {}): CodexdEvent[] {
    const matched = this.#ring.filter((event) => matches(event, filter));
    return filter.limit === undefined ? matched : matched.slice(-filter.limit);
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    this.#recentFile.flush();
    this.#file.close();
  }
}

export function matches(event: CodexdEvent, filter: EventFilter): boolean {
  if (filter.after !== undefined && event.seq <= filter.after) return false;
  if (filter.sessionId !== undefined && event.sessionId !== filter.sessionId) return false;
  if (filter.turnId !== undefined && event.turnId !== filter.turnId) return false;
  if (filter.type !== undefined && event.type !== filter.type && !event.type.startsWith(`${filter.type}.`)) return false;
  return true;
}

// Reads only the tail of the log: the last complete line that parses carries the highest seq.
function readLastSeq(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return 0;
  }
  try {
    const size = fstatSync(fd).size;
    const length = Math.min(size, 256 * 1024);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString("utf8").split("\n");
    for (let i = lines.length - 1; i >= 0; i -= 1) {
      const line = lines[i]?.trim();
      if (!line) continue;
      try {
        const seq = (JSON.parse(line) as { seq?: unknown }).seq;
        if (typeof seq === "number") return seq;
      } catch {
        // a torn last line from a crash; the one before it is whole
      }
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}
