import WebSocket from "ws";
import { WsCloseCodes } from "@baa/http-server";
import { closeSocket, type UpstreamHandle } from "./relay-upstream.js";
import { payloadOf, rawSocketOf, type RelayBatch, type RelayFrame } from "./relay-frames.js";
import { ReplayJoin, seqOf } from "./relay-join.js";
import type { UpstreamMember } from "./shared-upstream.js";

export interface RelayClientOptions {
  /** Unsent bytes (socket buffer plus frames held while joining) past which the client is cut off. */
  maxBufferedBytes: number;
  /** Told when the client is cut off for being too slow. */
  onCutOff: (bufferedBytes: number) => void;
  /** Told once when the client is done (it leaves its upstreams here). */
  onFinish: (client: RelayClient) => void;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/**
 * One conductor client of a relayed stream: the shared stream's frames, made once for every
 * client, go out as one write per step; a client whose unsent bytes pass the bound is closed
 * with 4008 instead of slowing the others or growing memory. With `after=` it first takes its
 * own replay stream (sent through ws, corked per tick) and joins the shared live stream through
 * `ReplayJoin`.
 */
export class RelayClient implements UpstreamMember {
  readonly socket: WebSocket;
  readonly #options: RelayClientOptions;
  #join: ReplayJoin | undefined;
  // After the switch, until the shared stream passes what the replay sent.
  #settling: ReplayJoin | undefined;
  #replay: UpstreamHandle | undefined;
  #finished = false;
  #corked: Corkable | undefined;

  constructor(socket: WebSocket, options: RelayClientOptions) {
    this.socket = socket;
    this.#options = options;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** True while the client still reads its own replay stream. */
  get joining(): boolean {
    return this.#join !== undefined;
  }

  /** Starts the `after=` replay: frames from `replay` (its own upstream) go out until the join is done. */
  startReplay(after: number, replay: UpstreamHandle): void {
    this.#join = new ReplayJoin(after);
    this.#replay = replay;
  }

  /** A frame of the client's own replay stream. */
  replayed(data: WebSocket.RawData, isBinary: boolean): void {
    const join = this.#join;
    if (this.#finished || join === undefined) return;
    join.replayed(seqOf(data));
    this.#send(data, isBinary);
    if (join.caughtUp) this.#switchToShared(join);
  }

  /** One step's frames of the shared live stream. */
  live(batch: RelayBatch): void {
    if (this.#finished) return;
    const join = this.#join;
    if (join !== undefined) {
      if (this.#overBound(join.heldBytes)) return;
      for (const frame of batch.frames) join.hold(frame);
      if (join.caughtUp) this.#switchToShared(join);
      return;
    }
    if (this.#overBound(0)) return;
    const raw = rawSocketOf(this.socket);
    if (this.#settling === undefined && raw !== undefined) {
      raw.write(batch.whole);
      return;
    }
    for (const frame of batch.frames) {
      if (this.#settling === undefined) this.#sendFrame(frame);
      else this.#settle(this.#settling, frame);
    }
  }

  ended(code: number, reason: string): void {
    this.finish(code, reason);
  }

  /** Closes the client with `code` and leaves every upstream; idempotent. */
  finish(code: number, reason: string): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#join = undefined;
    this.#settling = undefined;
    this.#replay?.close();
    this.#replay = undefined;
    this.#options.onFinish(this);
    closeSocket(this.socket, code, reason);
  }

  #switchToShared(join: ReplayJoin): void {
    this.#join = undefined;
    this.#replay?.close();
    this.#replay = undefined;
    for (const frame of join.takeRest()) this.#sendFrame(frame);
    if (!join.settled) this.#settling = join;
  }

  #settle(join: ReplayJoin, frame: RelayFrame): void {
    if (!join.afterSwitch(frame.seq)) return;
    this.#settling = undefined;
    this.#sendFrame(frame);
  }

  // A frame made once for every client, written as it is (or its payload sent through ws).
  #sendFrame(frame: RelayFrame): void {
    const raw = rawSocketOf(this.socket);
    if (raw === undefined) this.#send(payloadOf(frame), frame.binary);
    else if (!this.#overBound(0)) raw.write(frame.frame);
  }

  #send(data: WebSocket.RawData, isBinary: boolean): void {
    if (this.socket.readyState !== WebSocket.OPEN || this.#overBound(0)) return;
    this.#cork();
    this.socket.send(data, { binary: isBinary });
  }

  // Outstanding bytes are checked before a frame is added, so one big frame alone never cuts
  // off a client that keeps up.
  #overBound(heldBytes: number): boolean {
    const unsent = this.socket.bufferedAmount + heldBytes;
    if (unsent <= this.#options.maxBufferedBytes) return false;
    this.#options.onCutOff(unsent);
    const bound = this.#options.maxBufferedBytes;
    this.finish(WsCloseCodes.slowConsumer, `client too slow: more than ${bound} bytes unsent`);
    return true;
  }

  // Frames sent in one synchronous step (a chunk of upstream frames) leave in one write.
  #cork(): void {
    if (this.#corked !== undefined) return;
    const raw = (this.socket as unknown as { _socket?: Corkable })._socket;
    if (typeof raw?.cork !== "function") return;
    raw.cork();
    this.#corked = raw;
    process.nextTick(() => {
      this.#corked = undefined;
      raw.uncork();
    });
  }
}
