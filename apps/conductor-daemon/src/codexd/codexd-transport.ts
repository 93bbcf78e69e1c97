import { Agent, type Dispatcher } from "undici";
import type { ExchangeReply, ExchangeRequest } from "./codexd-exchange.js";
import { UnixHttpClient } from "./unix-http-client.js";

export type TransportRequest = ExchangeRequest;
export type TransportReply = ExchangeReply;

/** One HTTP exchange with codexd; tests pass a fake. */
export type CodexdTransport = (request: TransportRequest) => Promise<TransportReply>;

export interface UndiciTransport extends CodexdTransport {
  /**
   * Sends from now on over codexd's Unix socket file (null: TCP only). A socket that cannot be
   * connected to is dropped and the call goes over TCP instead.
   */
  useSocket(path: string | null): void;
  /** The socket calls go over now; null while TCP. */
  readonly socketPath: string | null;
  close(): Promise<void>;
}

// Connecting failed, so nothing was sent: safe to send again over TCP, even a POST.
const CONNECT_FAILURES = new Set([
  "ENOENT",
  "ECONNREFUSED",
  "EACCES",
  "ENOTSOCK",
  "UND_ERR_CONNECT_TIMEOUT",
  "ECONNECT_TIMEOUT"
]);

const EMPTY = Buffer.alloc(0);

/**
 * Collects one response as Buffers, straight from undici's parser: no Readable body stream, no
 * decoding, and only the two headers the conductor reads are looked at.
 */
class CollectingHandler implements Dispatcher.DispatchHandler {
  status = 0;
  retryAfter: string | undefined;
  contentType: string | undefined;
  #chunks: Buffer[] = [];
  readonly #resolve: (reply: TransportReply) => void;
  readonly #reject: (error: Error) => void;

  constructor(resolve: (reply: TransportReply) => void, reject: (error: Error) => void) {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  onConnect(): void {
    // A retried dispatch starts over.
    this.#chunks = [];
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const name = rawHeaders[i]!.toString("latin1").toLowerCase();
      if (name === "retry-after") {
        this.retryAfter ??= rawHeaders[i + 1]!.toString("latin1");
      } else if (name === "content-type") {
        this.contentType ??= rawHeaders[i + 1]!.toString("latin1");
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.#chunks.push(chunk);
    return true;
  }

  onComplete(): void {
    const chunks = this.#chunks;
    const body = chunks.length === 0 ? EMPTY : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    const headers: TransportReply["headers"] = {};
    if (this.retryAfter !== undefined) headers["retry-after"] = this.retryAfter;
    if (this.contentType !== undefined) headers["content-type"] = this.contentType;
    this.#resolve({ status: this.status, headers, body });
  }

  onError(error: Error): void {
    this.#reject(error);
  }
}

/**
 * The default transport: on codexd's Unix socket when one is known, our own small HTTP/1.1
 * client (`UnixHttpClient`, several times cheaper per call than undici, and the socket itself
 * cheaper than TCP loopback); over TCP, undici's dispatcher API on a keep-alive pool, the
 * response's bytes collected straight from its parser (no WHATWG or Node body streams). The
 * request bound is a timeout per call (undici's headers/body timeouts over TCP); the connect
 * step is bounded on its own so a codexd that is down is reported at once. The Host stays the
 * TCP one either way, so codexd's browser guard sees its own Host.
 */
export function createUndiciTransport(options: {
  connectTimeoutMs: number;
  onSocketFailure?: (path: string, error: unknown) => void;
}): UndiciTransport {
  const tcp = new Agent({ connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 10_000 });
  let socket: UnixHttpClient | null = null;

  const send = (dispatcher: Dispatcher, req: TransportRequest): Promise<TransportReply> =>
    new Promise<TransportReply>((resolve, reject) => {
      dispatcher.dispatch(
        {
          origin: req.origin,
          path: req.path,
          method: req.method as Dispatcher.HttpMethod,
          headers: req.headers,
          body: req.body ?? null,
          headersTimeout: req.timeoutMs,
          bodyTimeout: req.timeoutMs
        },
        new CollectingHandler(resolve, reject)
      );
    });

  const dropSocket = () => {
    if (socket === null) return;
    const client = socket;
    socket = null;
    // Its idle connections close now; calls still on it fail over to TCP only if they could not connect.
    void client.close().catch((error: unknown) => options.onSocketFailure?.("(closing)", error));
  };

  const transport = async (req: TransportRequest): Promise<TransportReply> => {
    const via = socket;
    if (via === null) return send(tcp, req);
    try {
      return await via.request(req);
    } catch (error) {
      if (!CONNECT_FAILURES.has((error as { code?: string } | null)?.code ?? "")) throw error;
      if (socket === via) {
        options.onSocketFailure?.(via.path, error);
        dropSocket();
      }
      return send(tcp, req);
    }
  };

  // defineProperties, not Object.assign: the getter must stay a getter.
  return Object.defineProperties(transport, {
    useSocket: {
      value: (path: string | null) => {
        if ((socket?.path ?? null) === path) return;
        dropSocket();
        if (path !== null) {
          socket = new UnixHttpClient({
            path,
            connectTimeoutMs: options.connectTimeoutMs,
            keepAliveMs: 10_000
          });
        }
      }
    },
    socketPath: { get: () => socket?.path ?? null },
    close: {
      value: async () => {
        const own = socket;
        socket = null;
        await Promise.all([tcp.close(), own?.close()]);
      }
    }
  }) as UndiciTransport;
}
