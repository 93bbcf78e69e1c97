/** One HTTP call to codexd, whichever client carries it (undici over TCP, our own over the socket). */
export interface ExchangeRequest {
  /** codexd's TCP origin, e.g. `http://127.0.0.1:4319`; its host is sent as `Host` either way. */
  origin: string;
  /** Path and query under the origin. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
}

/** codexd's response to an {@link ExchangeRequest}. */
export interface ExchangeReply<Body extends Buffer | string = Buffer | string> {
  status: number;
  /** The response's `retry-after` and `content-type` (the only headers the conductor passes on or reads). */
  headers: { "retry-after"?: string; "content-type"?: string };
  /** The body's bytes as received ("" or an empty Buffer: no body). */
  body: Body;
}
