/** A WebSocket frame made once and written as it is to every client that gets it. */
export interface ServerFrame {
  frame: Buffer;
  /** Where the payload starts in `frame`. */
  headerBytes: number;
}

/**
 * A server's (unmasked) final text or binary frame holding `payload` (RFC 6455 §5.2). A string is
 * encoded straight into the frame, a buffer copied once: nothing is copied per client.
 */
export function serverFrame(payload: Buffer | string, binary = false): ServerFrame {
  const length = typeof payload === "string" ? Buffer.byteLength(payload) : payload.length;
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
  if (typeof payload === "string") frame.write(payload, headerBytes, "utf8");
  else payload.copy(frame, headerBytes);
  return { frame, headerBytes };
}

/** The frames of one synchronous step, and all of them back to back (made once, when asked). */
export class FrameBatch<F extends ServerFrame> {
  readonly frames: F[] = [];
  #bytes = 0;
  #whole: Buffer | undefined;

  add(frame: F): void {
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

/** What ready-made frames are written to. */
export interface RawSocket {
  write(data: Buffer): boolean;
}

/**
 * The TCP (or Unix) socket under an open `ws` WebSocket, when ready-made frames may be written
 * to it as they are: no extension (compression) negotiated. Undefined otherwise: then send the
 * payload through the WebSocket.
 */
export function rawSocketOf(socket: { readyState: number; extensions: string }): RawSocket | undefined {
  if (socket.readyState !== 1 || socket.extensions !== "") return undefined;
  const raw = (socket as unknown as { _socket?: RawSocket })._socket;
  return typeof raw?.write === "function" ? raw : undefined;
}
