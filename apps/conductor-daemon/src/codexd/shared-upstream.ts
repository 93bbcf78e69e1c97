import type WebSocket from "ws";
import { RelayBatch, bytesOf, relayFrame } from "./relay-frames.js";
import { seqOf } from "./relay-join.js";
import type { UpstreamConnector, UpstreamHandle } from "./relay-upstream.js";

/** A client of a shared upstream. */
export interface UpstreamMember {
  /** One step's frames of the stream, the same bytes for every member. */
  live(batch: RelayBatch): void;
  /** The stream ended; the member closes its client with this code and reason. */
  ended(code: number, reason: string): void;
}

/** Runs a batch's hand-out once the current step is done; tests pass one that runs it at once. */
export type FlushScheduler = (flush: () => void) => void;

// Pending frames are handed out at once past this many bytes, so a long step does not wait.
const FLUSH_BYTES = 64 * 1024;

/**
 * One upstream event stream shared by every client with the same filter: each message arrives
 * once, is framed once for every client, and the frames of one step (a chunk read from the
 * upstream) go to every member, in the order they joined, as one batch. Reference-counted:
 * opened for the first member, closed when the last one leaves; when it ends, every member is
 * told (after the frames before the end) and it is gone (`onGone`), so the next client opens
 * a new one.
 */
export class SharedUpstream {
  readonly #members = new Set<UpstreamMember>();
  readonly #handle: UpstreamHandle;
  readonly #onGone: (upstream: SharedUpstream) => void;
  readonly #schedule: FlushScheduler;
  #gone = false;
  #ending: { code: number; reason: string } | undefined;
  #pending: RelayBatch | undefined;
  #flushScheduled = false;

  constructor(
    connect: UpstreamConnector,
    search: string,
    onGone: (upstream: SharedUpstream) => void,
    schedule: FlushScheduler = process.nextTick
  ) {
    this.#onGone = onGone;
    this.#schedule = schedule;
    this.#handle = connect(search, {
      open: () => {},
      message: (data, isBinary) => this.#message(data, isBinary),
      end: (code, reason) => this.#end(code, reason)
    });
  }

  /** Members now. */
  get size(): number {
    return this.#members.size;
  }

  /** False once it ended or its last member left: join another. */
  get usable(): boolean {
    return !this.#gone;
  }

  /** Adds a member; one that comes after the stream ended is told so at once. */
  add(member: UpstreamMember): void {
    if (this.#ending !== undefined) {
      member.ended(this.#ending.code, this.#ending.reason);
      return;
    }
    if (this.#gone) throw new Error("this upstream was closed");
    this.#members.add(member);
  }

  /** A member leaves; the last one to leave closes the upstream. */
  remove(member: UpstreamMember): void {
    if (!this.#members.delete(member) || this.#members.size > 0 || this.#gone) return;
    this.#gone = true;
    this.#handle.close();
    this.#onGone(this);
  }

  #message(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.#gone) return;
    const bytes = bytesOf(data);
    this.#pending ??= new RelayBatch();
    this.#pending.add(relayFrame(isBinary ? undefined : seqOf(bytes), bytes, isBinary));
    if (this.#pending.bytes >= FLUSH_BYTES) {
      this.#flush();
    } else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      this.#schedule(() => {
        this.#flushScheduled = false;
        this.#flush();
      });
    }
  }

  #flush(): void {
    const batch = this.#pending;
    if (batch === undefined) return;
    this.#pending = undefined;
    // A member that leaves meanwhile (cut off) is skipped by the Set's own iteration.
    for (const member of this.#members) member.live(batch);
  }

  #end(code: number, reason: string): void {
    if (this.#gone) return;
    this.#flush();
    this.#gone = true;
    this.#ending = { code, reason };
    this.#onGone(this);
    const members = [...this.#members];
    this.#members.clear();
    for (const member of members) member.ended(code, reason);
  }
}
