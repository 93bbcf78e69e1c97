import type WebSocket from "ws";
import type { UpstreamConnector, UpstreamHandle } from "./relay-upstream.js";

/** A client of a shared upstream. */
export interface UpstreamMember {
  /** One frame of the stream, the same bytes for every member. */
  live(data: WebSocket.RawData, isBinary: boolean): void;
  /** The stream ended; the member closes its client with this code and reason. */
  ended(code: number, reason: string): void;
}

/**
 * One upstream event stream shared by every client with the same filter: each frame arrives
 * once and is handed, as received, to every member in the order they joined. Reference-counted:
 * opened for the first member, closed when the last one leaves; when it ends, every member is
 * told and it is gone (`onGone`), so the next client opens a new one.
 */
export class SharedUpstream {
  readonly #members = new Set<UpstreamMember>();
  readonly #handle: UpstreamHandle;
  readonly #onGone: (upstream: SharedUpstream) => void;
  #gone = false;
  #ending: { code: number; reason: string } | undefined;

  constructor(connect: UpstreamConnector, search: string, onGone: (upstream: SharedUpstream) => void) {
    this.#onGone = onGone;
    this.#handle = connect(search, {
      open: () => {},
      message: (data, isBinary) => {
        // A member that leaves meanwhile (cut off) is skipped by the Set's own iteration.
        for (const member of this.#members) member.live(data, isBinary);
      },
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
    if (this.#ending !== undefined) return member.ended(this.#ending.code, this.#ending.reason);
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

  #end(code: number, reason: string): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#ending = { code, reason };
    this.#onGone(this);
    const members = [...this.#members];
    this.#members.clear();
    for (const member of members) member.ended(code, reason);
  }
}
