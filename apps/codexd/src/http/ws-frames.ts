import type { WebSocket } from "ws";

/** One event's WebSocket text frame, header and payload in one buffer, made once for every client. */
export interface EventFrame {
  seq: number;
  frame: Buffer;
  /** Where the payload (the event's JSON) starts in `frame`. */
  headerBytes: number;
}

/**
 * A server's (unmasked) final text frame holding `json` (RFC 6455 §5.2): the JSON is encoded
 * straight into the frame, so nothing is copied per client.
 */
export function textFrame(seq: number, json: string): EventFrame {
  const length = Buffer.byteLength(json);
  const headerBytes = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = 0x81;
  if (headerBytes === 2) {
    frame[1] = length;
  } else if (headerBytes === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(json, headerBytes, "utf8");
  return { seq, frame, headerBytes };
}

/** Frames of one synchronous step for one filter, and all of them back to back (made once, when asked). */
export class FrameBatch {
  readonly frames: EventFrame[] = [];
  #bytes = 0;
  #whole: Buffer | undefined;

  add(frame: EventFrame): void {
    this.frames.push(frame);
    this.#bytes += frame.frame.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get firstSeq(): number {
    return this.frames[0]?.seq ?? 0;
  }

  get lastSeq(): number {
    return this.frames.at(-1)?.seq ?? 0;
  }

  /** Every frame in one buffer: one write per client for the whole step. */
  get whole(): Buffer {
    this.#whole ??=
      this.frames.length === 1
        ? (this.frames[0] as EventFrame).frame
        : Buffer.concat(
            this.frames.map((f) => f.frame),
            this.#bytes
          );
    return this.#whole;
  }
}

interface RawSocket {
  write(data: Buffer): boolean;
}

/**
 * The TCP (or Unix) socket under an open WebSocket, when ready-made frames may be written to it
 * as they are: no extension (compression) negotiated. Undefined otherwise: then send the payload.
 */
export function rawSocketOf(socket: WebSocket): RawSocket | undefined {
  if (socket.readyState !== 1 || socket.extensions !== "") return undefined;
  const raw = (socket as unknown as { _socket?: RawSocket })._socket;
  return typeof raw?.write === "function" ? raw : undefined;
}
