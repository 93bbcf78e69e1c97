import WebSocket from "ws";
import type { Logger } from "pino";
import { WsCloseCodes, closeReason } from "@baa/api-errors";

export interface EventsRelayOptions {
  /** Builds codexd's event-stream URL for a client's query string. */
  upstreamUrl: (search: string) => string;
  /** Bound on opening the upstream stream. */
  connectTimeoutMs: number;
  /** A client whose unsent data exceeds this is cut off (4008, as codexd does) instead of growing memory. */
  maxBufferedBytes?: number;
  logger: Logger;
  /** Told when a client is cut off for being too slow (the metrics). */
  onCutOff?: () => void;
}

interface RelayPair {
  client: WebSocket;
  upstream: WebSocket;
  finish(code: number, reason: string): void;
}

const MAX_PENDING_CLIENT_MESSAGES = 64;
const CLOSE_GRACE_MS = 1_000;

/**
 * Relays codexd's event stream to conductor clients, one upstream connection per client:
 * messages pass through unchanged and in order, a close on either side closes the other.
 */
export class EventsRelay {
  readonly #options: EventsRelayOptions;
  readonly #maxBufferedBytes: number;
  readonly #pairs = new Set<RelayPair>();

  constructor(options: EventsRelayOptions) {
    this.#options = options;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 8 * 1024 * 1024;
  }

  get size(): number {
    return this.#pairs.size;
  }

  /** Starts relaying for a client that just connected with query string `search` ("" or "?…"). */
  attach(client: WebSocket, search: string): void {
    const log = this.#options.logger;
    const upstream = new WebSocket(this.#options.upstreamUrl(search), {
      handshakeTimeout: this.#options.connectTimeoutMs,
      perMessageDeflate: false
    });
    const pending: Array<{ data: WebSocket.RawData; isBinary: boolean }> = [];
    let opened = false;
    let finished = false;

    const pair: RelayPair = {
      client,
      upstream,
      finish: (code, reason) => {
        if (finished) return;
        finished = true;
        this.#pairs.delete(pair);
        closeSocket(client, code, reason);
        closeSocket(upstream, WsCloseCodes.normal, "client gone");
      }
    };
    this.#pairs.add(pair);

    upstream.on("open", () => {
      opened = true;
      for (const message of pending.splice(0)) upstream.send(message.data, { binary: message.isBinary });
    });
    upstream.on("message", (data, isBinary) => {
      if (finished || client.readyState !== WebSocket.OPEN) return;
      if (client.bufferedAmount > this.#maxBufferedBytes) {
        log.warn({ bufferedAmount: client.bufferedAmount }, "event stream client too slow, closing it");
        this.#options.onCutOff?.();
        pair.finish(WsCloseCodes.slowConsumer, `client too slow: more than ${this.#maxBufferedBytes} bytes unsent`);
        return;
      }
      client.send(data, { binary: isBinary });
    });
    upstream.on("unexpected-response", (_request, response) => {
      const status = response.statusCode ?? 0;
      response.resume();
      if (status >= 500) pair.finish(WsCloseCodes.tryAgainLater, "codexd unavailable");
      else pair.finish(WsCloseCodes.policy, `codexd refused the event stream (HTTP ${status})`);
    });
    upstream.on("error", (error) => {
      if (finished) return;
      log.warn({ err: error, opened }, "codexd event stream failed");
      pair.finish(opened ? WsCloseCodes.internal : WsCloseCodes.tryAgainLater, opened ? "codexd event stream failed" : "codexd unavailable");
    });
    upstream.on("close", (code, reason) => {
      const text = reason.toString("utf8");
      if (isSendableCloseCode(code)) pair.finish(code, text);
      else pair.finish(WsCloseCodes.internal, text === "" ? "codexd closed the event stream" : text);
    });

    client.on("message", (data, isBinary) => {
      if (opened && upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else if (!opened && pending.length < MAX_PENDING_CLIENT_MESSAGES) pending.push({ data, isBinary });
    });
    client.on("close", () => pair.finish(WsCloseCodes.normal, "client closed"));
    client.on("error", () => pair.finish(WsCloseCodes.internal, "client error"));
  }

  /** Closes every relayed stream (1001) and drops clients that do not answer within a second. */
  closeAll(): void {
    for (const pair of [...this.#pairs]) {
      pair.finish(WsCloseCodes.goingAway, "conductor shutting down");
      setTimeout(() => pair.client.terminate(), CLOSE_GRACE_MS).unref();
    }
  }
}

function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === WebSocket.CONNECTING) {
    socket.terminate();
  } else if (socket.readyState === WebSocket.OPEN) {
    socket.close(code, closeReason(reason));
  }
}

// 1004-1006 and 1015 are reserved: they describe a close but may not be sent in one.
function isSendableCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}
