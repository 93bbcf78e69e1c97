import WebSocket from "ws";
import type { Logger } from "pino";
import { WsCloseCodes, closeReason } from "@baa/http-server";

/** What one upstream event stream tells its owner. */
export interface UpstreamHandlers {
  /** The handshake completed. */
  open(): void;
  message(data: WebSocket.RawData, isBinary: boolean): void;
  /** The stream ended, with the close code and reason to pass on to its clients; said once. */
  end(code: number, reason: string): void;
}

export interface UpstreamHandle {
  /** Closes the stream (1000); `end` is not called for a close asked for here. */
  close(): void;
}

/** Opens the upstream stream for a query string ("" or "?…"). Tests pass a fake. */
export type UpstreamConnector = (search: string, handlers: UpstreamHandlers) => UpstreamHandle;

export interface WsUpstreamOptions {
  /** Builds the stream's URL for a query string. */
  upstreamUrl: (search: string) => string;
  /** The same stream on a Unix socket (`ws+unix:` URL and Host), or null; a dead socket falls back to TCP. */
  upstreamSocket?: (search: string) => { url: string; host: string } | null;
  connectTimeoutMs: number;
  /** Sent with every TCP handshake (another node's stream needs the shared token). */
  upstreamHeaders?: Readonly<Record<string, string>>;
  /** What the upstream is called in close reasons and logs. */
  upstreamName: string;
  logger: Logger;
}

// Connecting to the socket file failed, so nothing was sent: the stream is opened over TCP instead.
const SOCKET_CONNECT_FAILURES = new Set(["ENOENT", "ECONNREFUSED", "EACCES", "ENOTSOCK"]);

/**
 * The real connector: a `ws` client over the Unix socket when one is known, else TCP. How the
 * stream ended becomes the close its clients get: the upstream's own code when it may be sent,
 * 1013 when it could not be reached (or answered 5xx), 1008 when it refused the handshake, 1011
 * when it failed or ended abnormally.
 */
export function wsUpstreamConnector(options: WsUpstreamOptions): UpstreamConnector {
  const name = options.upstreamName;
  const log = options.logger;
  const connect = (search: string, socket: { url: string; host: string } | null): WebSocket => {
    const common = { handshakeTimeout: options.connectTimeoutMs, perMessageDeflate: false };
    return socket === null
      ? new WebSocket(options.upstreamUrl(search), { ...common, headers: { ...options.upstreamHeaders } })
      : new WebSocket(socket.url, { ...common, headers: { host: socket.host } });
  };

  return (search, handlers) => {
    let opened = false;
    let done = false;
    let current: WebSocket;
    const end = (code: number, reason: string) => {
      if (done) return;
      done = true;
      handlers.end(code, reason);
    };
    const wire = (upstream: WebSocket, onSocket: boolean) => {
      current = upstream;
      // Events of an upstream given up for TCP are not this stream's any more.
      const live = () => current === upstream && !done;
      upstream.on("open", () => {
        if (!live()) return;
        opened = true;
        handlers.open();
      });
      upstream.on("message", (data, isBinary) => {
        if (live()) handlers.message(data, isBinary);
      });
      upstream.on("unexpected-response", (_request, response) => {
        const status = response.statusCode ?? 0;
        response.resume();
        if (!live()) return;
        if (status >= 500) end(WsCloseCodes.tryAgainLater, `${name} unavailable`);
        else end(WsCloseCodes.policy, `${name} refused the event stream (HTTP ${status})`);
        upstream.terminate();
      });
      upstream.on("error", (error) => {
        if (!live()) return;
        if (onSocket && !opened && SOCKET_CONNECT_FAILURES.has((error as { code?: string }).code ?? "")) {
          log.warn({ err: error }, `${name}'s local socket failed for the event stream; using TCP`);
          wire(connect(search, null), false);
          return;
        }
        log.warn({ err: error, opened, upstream: name }, "upstream event stream failed");
        if (opened) end(WsCloseCodes.internal, `${name} event stream failed`);
        else end(WsCloseCodes.tryAgainLater, `${name} unavailable`);
      });
      upstream.on("close", (code, reason) => {
        if (!live()) return;
        const text = reason.toString("utf8");
        if (isSendableCloseCode(code)) end(code, text);
        else end(WsCloseCodes.internal, text === "" ? `${name} closed the event stream` : text);
      });
    };
    const viaSocket = options.upstreamSocket?.(search) ?? null;
    wire(connect(search, viaSocket), viaSocket !== null);
    return {
      close: () => {
        done = true;
        closeSocket(current, WsCloseCodes.normal, "client gone");
      }
    };
  };
}

/** Closes a socket in whatever state it is: a handshake under way is dropped. */
export function closeSocket(socket: WebSocket, code: number, reason: string): void {
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
