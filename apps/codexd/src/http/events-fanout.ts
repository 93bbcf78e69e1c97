import { compileFilter, type CodexdEvent, type EventFilter } from "@baa/event-log";
import type { EventSource } from "./codexd-api.js";
import { FrameBatch, textFrame, type EventFrame } from "./ws-frames.js";

/** One live event stream of the fan-out. */
export interface FanoutMember {
  /** The events its filter kept in one step, in order, framed once for every stream. */
  deliver(batch: FrameBatch): void;
  /** `live` threw: the member ends itself; the other streams go on. */
  failed(error: unknown): void;
}

interface FilterGroup {
  readonly keep: (event: CodexdEvent) => boolean;
  readonly members: Set<FanoutMember>;
  pending: FrameBatch | undefined;
}

// A group's pending frames are handed out at once past this many bytes, so a long synchronous
// step (a big stdout chunk) neither waits for its end nor counts much toward a client's bound.
const FLUSH_BYTES = 64 * 1024;

/**
 * Every live event stream of codexd shares one subscription to the event log. Per event, each
 * distinct filter is evaluated once and the WebSocket frame is made once; the frames of one
 * synchronous step are handed to every stream of a filter as one batch (one write per client)
 * once the step ends, so an answer being given (a turn's 202) goes out before the frames its
 * step produced. The log is subscribed to while a stream is open, and left when the last goes.
 */
export class EventFanout {
  readonly #events: Pick<EventSource, "subscribe">;
  readonly #groups = new Map<string, FilterGroup>();
  #unsubscribe: (() => void) | undefined;
  #size = 0;
  #flushScheduled = false;

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
      group = { keep: compileFilter(filter), members: new Set(), pending: undefined };
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
    let frame: EventFrame | undefined;
    for (const group of this.#groups.values()) {
      if (!group.keep(event)) continue;
      frame ??= textFrame(event.seq, json);
      group.pending ??= new FrameBatch();
      group.pending.add(frame);
      if (group.pending.bytes >= FLUSH_BYTES) this.#flushGroup(group);
      else this.#scheduleFlush();
    }
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    process.nextTick(() => {
      this.#flushScheduled = false;
      for (const group of this.#groups.values()) this.#flushGroup(group);
    });
  }

  #flushGroup(group: FilterGroup): void {
    const batch = group.pending;
    if (batch === undefined) return;
    group.pending = undefined;
    // A member that leaves meanwhile (cut off) is skipped by the Set's own iteration.
    for (const member of group.members) {
      try {
        member.deliver(batch);
      } catch (error) {
        member.failed(error);
      }
    }
  }
}

/** Filters that keep the same events get the same key (field order does not matter). */
export function filterKey(filter: EventFilter): string {
  const { sessionId, turnId, taskId, runId, type, since, until } = filter;
  return JSON.stringify([sessionId, turnId, taskId, runId, type, since, until]);
}
