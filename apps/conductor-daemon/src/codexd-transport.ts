import { Agent, type Dispatcher } from "undici";

export interface TransportRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface TransportReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

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
const CONNECT_FAILURES = new Set(["ENOENT", "ECONNREFUSED", "EACCES", "ENOTSOCK", "UND_ERR_CONNECT_TIMEOUT"]);

/**
 * The default transport: undici's dispatcher API over keep-alive pools, on codexd's Unix socket
 * when one is known (cheaper per call than TCP loopback) and TCP otherwise. Far cheaper per
 * call than `fetch` (no WHATWG streams), which matters on the turn path. The request bound is
 * undici's own headers/body timeouts (no timer and AbortSignal per call); the connect step is
 * bounded on its own so a codexd that is down is reported at once. The URL's host stays the
 * TCP one either way, so codexd's browser guard sees its own Host.
 */
export function createUndiciTransport(options: { connectTimeoutMs: number; onSocketFailure?: (path: string, error: unknown) => void }): UndiciTransport {
  const tcp = new Agent({ connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 10_000 });
  let socket: { path: string; agent: Agent } | null = null;

  const send = async (dispatcher: Dispatcher, req: TransportRequest): Promise<TransportReply> => {
    const url = new URL(req.url);
    const response = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body ?? null,
      headersTimeout: req.timeoutMs,
      bodyTimeout: req.timeoutMs
    });
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  };

  const dropSocket = () => {
    if (socket === null) return;
    const { agent } = socket;
    socket = null;
    // Calls still on it finish first; closing it can fail only if it is closed already.
    void agent.close().catch((error: unknown) => options.onSocketFailure?.("(closing)", error));
  };

  const transport = async (req: TransportRequest): Promise<TransportReply> => {
    const via = socket;
    if (via === null) return send(tcp, req);
    try {
      return await send(via.agent, req);
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
          socket = { path, agent: new Agent({ connect: { socketPath: path, timeout: options.connectTimeoutMs }, keepAliveTimeout: 10_000 }) };
        }
      }
    },
    socketPath: { get: () => socket?.path ?? null },
    close: {
      value: async () => {
        const own = socket;
        socket = null;
        await Promise.all([tcp.close(), own?.agent.close()]);
      }
    }
  }) as UndiciTransport;
}
