import type WebSocket from "ws";
import type { RelayFrame } from "./relay-frames.js";

/**
 * How a client with `after=` joins a shared live stream with no gap and no duplicate. Its own
 * replay stream (`after=` as it asked) gives every event after `after`, stored then live; the
 * shared stream, joined a little later, gives every event from some seq S on. Frames of the
 * shared stream are held until the replay has sent seq S or later: from then on the replay is
 * left, the held frames past what was sent go out, and the client is on the shared stream,
 * where frames the replay already sent (it may have run ahead) are skipped until one is new.
 * Both streams carry the same filter and seqs only grow, so the seq of a frame tells all.
 */
export class ReplayJoin {
  #lastSent: number;
  #held: RelayFrame[] = [];
  #heldBytes = 0;
  #settled = false;

  constructor(after: number) {
    this.#lastSent = after;
  }

  /** The newest seq sent to the client. */
  get lastSent(): number {
    return this.#lastSent;
  }

  /** Bytes of the held frames (they count toward the client's bound). */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * A frame of the replay stream, which is sent as it is: the upstream's own stream has no gap
   * and no duplicate. Its seq (when it has one) is what the client has had.
   */
  replayed(seq: number | undefined): void {
    if (seq !== undefined && seq > this.#lastSent) this.#lastSent = seq;
  }

  /** A frame of the shared stream, held; one without a seq is not an event and is dropped. */
  hold(frame: RelayFrame): void {
    if (frame.seq === undefined) return;
    this.#held.push(frame);
    this.#heldBytes += frame.frame.length;
  }

  /** True once the replay reached the first held frame: time to switch to the shared stream. */
  get caughtUp(): boolean {
    const first = this.#held[0];
    return first?.seq !== undefined && this.#lastSent >= first.seq;
  }

  /**
   * A frame of the shared stream after the switch: whether to send it. False for one the
   * replay already sent; true from the first new one on, when `settled` turns true.
   */
  afterSwitch(seq: number | undefined): boolean {
    if (seq === undefined || seq <= this.#lastSent) return false;
    this.#settled = true;
    return true;
  }

  /** True once the shared stream gave a frame past everything the replay sent. */
  get settled(): boolean {
    return this.#settled;
  }

  /** The held frames the client has not had, in order; the replay is over. */
  takeRest(): RelayFrame[] {
    const rest = this.#held.filter((frame) => (frame.seq as number) > this.#lastSent);
    this.#lastSent = rest.at(-1)?.seq ?? this.#lastSent;
    if (rest.length > 0) this.#settled = true;
    this.#held = [];
    this.#heldBytes = 0;
    return rest;
  }
}

const SEQ_PREFIX = '{"seq":';

/**
 * The seq of an event frame, or undefined for a frame that is not an event. codexd writes `seq`
 * first, so it is read from the prefix; any other JSON object is parsed.
 */
export function seqOf(data: WebSocket.RawData): number | undefined {
  const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (buffer.toString("latin1", 0, SEQ_PREFIX.length) === SEQ_PREFIX) {
    let seq = 0;
    let i = SEQ_PREFIX.length;
    for (; i < buffer.length && i < SEQ_PREFIX.length + 15; i += 1) {
      const c = buffer[i] as number;
      if (c < 48 || c > 57) break;
      seq = seq * 10 + (c - 48);
    }
    // Digits ended by the next field or the object's end: a whole number.
    if (i > SEQ_PREFIX.length && (buffer[i] === 0x2c || buffer[i] === 0x7d)) return seq;
  }
  try {
    const parsed = JSON.parse(buffer.toString("utf8")) as { seq?: unknown };
    return typeof parsed?.seq === "number" && Number.isInteger(parsed.seq) ? parsed.seq : undefined;
  } catch {
    // Not JSON: not an event, so it has no seq.
    return undefined;
  }
}
