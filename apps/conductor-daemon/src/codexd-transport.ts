import { Agent, request } from "undici";

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

/**
 * The default transport: undici's `request` over one keep-alive pool. Far cheaper per call than
 * `fetch` (no WHATWG streams), which matters on the turn path, and it bounds the connect step on
 * its own so a codexd that is down is reported at once.
 */
export function createUndiciTransport(options: { connectTimeoutMs: number }): CodexdTransport & { close(): Promise<void> } {
  const agent = new Agent({ connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 10_000 });
  const transport = async (req: TransportRequest): Promise<TransportReply> => {
    const response = await request(req.url, {
      method: req.method as "GET",
      headers: req.headers,
      body: req.body,
      dispatcher: agent,
      signal: AbortSignal.timeout(req.timeoutMs),
      maxRedirections: 0
    } as Parameters<typeof request>[1]);
    return { status: response.statusCode, headers: response.headers, text: await response.body.text() };
  };
  return Object.assign(transport, { close: () => agent.close() });
}
