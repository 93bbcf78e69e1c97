// A WebSocket subscriber for benches that reads server frames straight off the TCP socket: the
// handshake by node's HTTP client, then a frame parser that hands each text frame's payload out
// as a Buffer view, with no per-frame stream machinery. One bench process can then read millions
// of frames a second, so what a fan-out bench measures is the server, not its own client.
// Server frames only (unmasked, unfragmented: what `ws` and codexd send); answers pings, and
// closes on a close frame. Emits "message" (Buffer) and "close" (code), like `ws`'s client.
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { request } from "node:http";

const OPEN = 1;
const CLOSED = 3;

class RawSubscriber extends EventEmitter {
  #socket;
  #pending = undefined;
  #closeCode = 1006;
  readyState = OPEN;

  constructor(socket, head) {
    super();
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.#read(chunk));
    socket.on("error", () => socket.destroy());
    socket.on("close", () => {
      this.readyState = CLOSED;
      this.emit("close", this.#closeCode);
    });
    if (head.length > 0) queueMicrotask(() => this.#read(head));
  }

  #read(chunk) {
    let buf = chunk;
    if (this.#pending !== undefined) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = undefined;
    }
    let off = 0;
    for (;;) {
      const avail = buf.length - off;
      if (avail < 2) break;
      const b0 = buf[off];
      let len = buf[off + 1] & 0x7f;
      let header = 2;
      if (len === 126) {
        if (avail < 4) break;
        len = buf.readUInt16BE(off + 2);
        header = 4;
      } else if (len === 127) {
        if (avail < 10) break;
        len = Number(buf.readBigUInt64BE(off + 2));
        header = 10;
      }
      if (avail < header + len) break;
      if ((b0 & 0x80) === 0) throw new Error("raw-ws-subscriber: fragmented frames are not supported");
      const payload = buf.subarray(off + header, off + header + len);
      off += header + len;
      const opcode = b0 & 0x0f;
      if (opcode === 1 || opcode === 2) this.emit("message", payload);
      else if (opcode === 9) this.#send(0xa, payload);
      else if (opcode === 8) {
        this.#closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.close();
      }
    }
    if (off < buf.length) this.#pending = buf.subarray(off);
  }

  /** A client frame: masked (here with a zero mask, which leaves the payload as it is). */
  #send(opcode, payload) {
    if (this.#socket.destroyed) return;
    if (payload.length > 125) throw new Error("raw-ws-subscriber: control payloads only");
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x80 | opcode;
    frame[1] = 0x80 | payload.length;
    payload.copy(frame, 6);
    this.#socket.write(frame);
  }

  close() {
    if (this.readyState === CLOSED) return;
    const code = Buffer.alloc(2);
    code.writeUInt16BE(1000);
    this.#send(0x8, code);
    this.#socket.end();
  }
}

/** Opens a subscriber on a ws:// URL; rejects when the server does not upgrade. */
export function openRawSubscriber(url) {
  const target = new URL(url.replace(/^ws/, "http"));
  return new Promise((resolve, reject) => {
    const req = request({
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Key": randomBytes(16).toString("base64"),
        "Sec-WebSocket-Version": "13"
      }
    });
    req.on("upgrade", (_res, socket, head) => resolve(new RawSubscriber(socket, head)));
    req.on("response", (res) => {
      res.resume();
      reject(new Error(`${url} answered ${res.statusCode}, not an upgrade`));
    });
    req.on("error", reject);
    req.end();
  });
}
