import { compileFilter, type CodexdEvent, type EventFilter } from "@baa/event-log";
import type { EventSource } from "./codexd-api.js";

/** One live event stream of the fan-out. */
export interface FanoutMember {
  /** A matching event and its frame's payload: the log's JSON as bytes, made once for every stream. */
  live(event: CodexdEvent, frame: Buffer): void;
  /** `live` threw: the member ends itself; the other streams go on. */
  failed(error: unknown): void;
}

interface FilterGroup {
  readonly keep: (event: CodexdEvent) => boolean;
  readonly members: Set<FanoutMember>;
}

/**
 * Every live event stream of codexd shares one subscription to the event log. Per event, each
 * distinct filter is evaluated once and the frame's payload is made once, then handed to every
 * stream whose filter keeps it, in the order they joined. The log is subscribed to while at
 * least one stream is open, and left when the last one goes.
 */
export class EventFanout {
  readonly #events: Pick<EventSource, "subscribe">;
  readonly #groups = new Map<string, FilterGroup>();
  #unsubscribe: (() => void) | undefined;
  #size = 0;

  constructor(events: Pick<EventSource, "subscribe">) {
    this.#events = events;
  }

  /** Streams joined now. */
  get size(): number {
    return this.#size;
  }

  /** Distinct filters among them. */
  get filterCount(): number {
    return this.#groups.size;
  }

  /**
   * Adds a stream; from the moment this returns every event recorded reaches it (when its
   * filter keeps it). Returns its leave function (idempotent).
   */
  join(filter: EventFilter, member: FanoutMember): () => void {
    const key = filterKey(filter);
    let group = this.#groups.get(key);
    if (group === undefined) {
      group = { keep: compileFilter(filter), members: new Set() };
      this.#groups.set(key, group);
    }
    const joined = group;
    joined.members.add(member);
    this.#size += 1;
    this.#unsubscribe ??= this.#events.subscribe((event, json) => this.#publish(event, json));
    let left = false;
    return () => {
      if (left) return;
      left = true;
      joined.members.delete(member);
      this.#size -= 1;
      if (joined.members.size === 0 && this.#groups.get(key) === joined) this.#groups.delete(key);
      if (this.#size === 0) {
        this.#unsubscribe?.();
        this.#unsubscribe = undefined;
      }
    };
  }

  #publish(event: CodexdEvent, json: string): void {
    let frame: Buffer | undefined;
    for (const group of this.#groups.values()) {
      if (!group.keep(event)) continue;
      frame ??= Buffer.from(json);
      // A member that leaves meanwhile (cut off) is skipped by the Set's own iteration.
      for (const member of group.members) {
        try {
          member.live(event, frame);
        } catch (error) {
          member.failed(error);
        }
      }
    }
  }
}

/** Filters that keep the same events get the same key (field order does not matter). */
export function filterKey(filter: EventFilter): string {
  const { sessionId, turnId, taskId, runId, type, since, until } = filter;
  return JSON.stringify([sessionId, turnId, taskId, runId, type, since, until]);
}
