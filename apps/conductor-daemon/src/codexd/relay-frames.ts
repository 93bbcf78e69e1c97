import type WebSocket from "ws";

/** One upstream message as a ready WebSocket frame for the relay's clients, made once for all. */
export interface RelayFrame {
  /** The event's seq, or undefined for a frame that is not an event. */
  seq: number | undefined;
  frame: Buffer;
  /** Where the payload starts in `frame`. */
  headerBytes: number;
  binary: boolean;
}

/** A server's (unmasked) final text or binary frame holding `payload` (RFC 6455 §5.2). */
export function relayFrame(seq: number | undefined, payload: Buffer, binary: boolean): RelayFrame {
  const length = payload.length;
  const headerBytes = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerBytes + length);
  frame[0] = binary ? 0x82 : 0x81;
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
  payload.copy(frame, headerBytes);
  return { seq, frame, headerBytes, binary };
}

/** The payload of a frame, for a socket that must frame it itself. */
export function payloadOf(frame: RelayFrame): Buffer {
  return frame.frame.subarray(frame.headerBytes);
}

/** The frames of one synchronous step of an upstream, and all of them back to back (made once, when asked). */
export class RelayBatch {
  readonly frames: RelayFrame[] = [];
  #bytes = 0;
  #whole: Buffer | undefined;

  add(frame: RelayFrame): void {
    this.frames.push(frame);
    this.#bytes += frame.frame.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** Every frame in one buffer: one write per client for the whole step. */
  get whole(): Buffer {
    const only = this.frames.length === 1 ? this.frames[0] : undefined;
    this.#whole ??=
      only?.frame ??
      Buffer.concat(
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
 * The socket under an open WebSocket, when ready-made frames may be written to it as they are
 * (no extension, such as compression, negotiated); undefined otherwise.
 */
export function rawSocketOf(socket: WebSocket): RawSocket | undefined {
  if (socket.readyState !== 1 || socket.extensions !== "") return undefined;
  const raw = (socket as unknown as { _socket?: RawSocket })._socket;
  return typeof raw?.write === "function" ? raw : undefined;
}

/** A message's bytes as one buffer. */
export function bytesOf(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}
