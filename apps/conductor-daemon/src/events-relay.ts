import WebSocket from "ws";
import type { Logger } from "pino";
import { WsCloseCodes, closeReason } from "@baa/api-errors";

export interface EventsRelayOptions {
  /** Builds codexd's event-stream URL for a client's query string. */
  upstreamUrl: (search: string) => string;
  /**
   * The same stream on codexd's Unix socket (`ws+unix:` URL and the Host to send), or null while
   * calls go over TCP. A socket that cannot be connected to falls back to `upstreamUrl`.
   */
  upstreamSocket?: (search: string) => { url: string; host: string } | null;
  /** Bound on opening the upstream stream. */
  connectTimeoutMs: number;
  /** A client whose unsent data exceeds this is cut off (4008, as codexd does) instead of growing memory. */
  maxBufferedBytes?: number;
  logger: Logger;
  /** Told when a client is cut off for being too slow (the metrics). */
  onCutOff?: () => void;
  /** Sent with every upstream (TCP) handshake: another node's stream needs the shared token. */
  upstreamHeaders?: Readonly<Record<string, string>>;
  /** What the upstream is called in close reasons and logs; default "codexd". */
  upstreamName?: string;
}

interface RelayPair {
  client: WebSocket;
  /** codexd's stream; replaced once when the socket file cannot be connected to. */
  upstream: WebSocket;
  finish(code: number, reason: string): void;
}

const MAX_PENDING_CLIENT_MESSAGES = 64;
// Connecting to the socket file failed, so nothing was sent: the stream is opened over TCP instead.
const SOCKET_CONNECT_FAILURES = new Set(["ENOENT", "ECONNREFUSED", "EACCES", "ENOTSOCK"]);
const CLOSE_GRACE_MS = 1_000;

/**
 * Relays codexd's event stream to conductor clients, one upstream connection per client (over
 * codexd's Unix socket when one is known, else TCP): messages pass through unchanged and in
 * order, a close on either side closes the other.
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
    const pending: Array<{ data: WebSocket.RawData; isBinary: boolean }> = [];
    let opened = false;
    let finished = false;
    const viaSocket = this.#options.upstreamSocket?.(search) ?? null;
    const name = this.#options.upstreamName ?? "codexd";
    const headers = this.#options.upstreamHeaders ?? {};

    const connectUpstream = (socket: { url: string; host: string } | null): WebSocket =>
      socket === null
        ? new WebSocket(this.#options.upstreamUrl(search), { handshakeTimeout: this.#options.connectTimeoutMs, perMessageDeflate: false, headers: { ...headers } })
        : new WebSocket(socket.url, { handshakeTimeout: this.#options.connectTimeoutMs, perMessageDeflate: false, headers: { host: socket.host } });

    const pair: RelayPair = {
      client,
      upstream: connectUpstream(viaSocket),
      finish: (code, reason) => {
        if (finished) return;
        finished = true;
        this.#pairs.delete(pair);
        closeSocket(client, code, reason);
        closeSocket(pair.upstream, WsCloseCodes.normal, "client gone");
      }
    };
    this.#pairs.add(pair);

    const wire = (upstream: WebSocket, onSocket: boolean) => {
      // Events of an upstream given up for TCP are not this pair's any more.
      const current = () => pair.upstream === upstream;
      upstream.on("open", () => {
        if (!current()) return;
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
        if (!current()) return;
        if (status >= 500) pair.finish(WsCloseCodes.tryAgainLater, `${name} unavailable`);
        else pair.finish(WsCloseCodes.policy, `${name} refused the event stream (HTTP ${status})`);
      });
      upstream.on("error", (error) => {
        if (finished || !current()) return;
        if (onSocket && !opened && SOCKET_CONNECT_FAILURES.has((error as { code?: string }).code ?? "")) {
          log.warn({ err: error }, "codexd's local socket failed for the event stream; using TCP");
          pair.upstream = connectUpstream(null);
          wire(pair.upstream, false);
          return;
        }
        log.warn({ err: error, opened, upstream: name }, "upstream event stream failed");
        pair.finish(opened ? WsCloseCodes.internal : WsCloseCodes.tryAgainLater, opened ? `${name} event stream failed` : `${name} unavailable`);
      });
      upstream.on("close", (code, reason) => {
        if (!current()) return;
        const text = reason.toString("utf8");
        if (isSendableCloseCode(code)) pair.finish(code, text);
        else pair.finish(WsCloseCodes.internal, text === "" ? `${name} closed the event stream` : text);
      });
    };
    wire(pair.upstream, viaSocket !== null);

    client.on("message", (data, isBinary) => {
      if (opened && pair.upstream.readyState === WebSocket.OPEN) pair.upstream.send(data, { binary: isBinary });
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
