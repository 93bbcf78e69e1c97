import { connect, type Socket } from "node:net";
import type { ExchangeReply, ExchangeRequest } from "./codexd-exchange.js";
import { Http1ResponseReader, type Http1Response } from "./http1-response-reader.js";

/** One call over the socket. */
export type UnixHttpRequest = ExchangeRequest;

/** One response: the body always as bytes. */
export type UnixHttpReply = ExchangeReply<Buffer>;

/**
 * A small HTTP/1.1 client for one peer on a Unix socket file: codexd on this machine. It does
 * what the proxy hop needs and nothing more: one request at a time per connection, keep-alive
 * connections reused newest first, responses delimited by `content-length`, chunked encoding or the
 * connection's end, and only `content-type` and `retry-after` read from the response's headers.
 *
 * undici's client did the same for several times the CPU per call (its wasm parser's callbacks,
 * its pool's scan of every connection, a deferred write per reused connection), which was the
 * largest part of the conductor's cost per proxied request.
 *
 * Failures carry the `code` the caller's fallback reads: a connect that fails is the socket
 * error's own code (`ENOENT`, `ECONNREFUSED`, ...) or `ECONNECT_TIMEOUT`; a response that does not
 * come in time is a `TimeoutError`.
 */
export class UnixHttpClient {
  readonly path: string;
  readonly #connectTimeoutMs: number;
  readonly #keepAliveMs: number;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  #closed = false;

  constructor(options: { path: string; connectTimeoutMs: number; keepAliveMs?: number }) {
    this.path = options.path;
    this.#connectTimeoutMs = options.connectTimeoutMs;
    this.#keepAliveMs = options.keepAliveMs ?? 10_000;
  }

  request(req: UnixHttpRequest): Promise<UnixHttpReply> {
    if (this.#closed) return Promise.reject(new Error("the codexd socket client is closed"));
    let head: string;
    try {
      head = requestHead(req);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<UnixHttpReply>((resolve, reject) => {
      const exchange: Exchange = {
        head,
        body: req.body,
        method: req.method,
        timeoutMs: req.timeoutMs,
        resolve,
        reject
      };
      let connection = this.#idle.pop();
      while (connection !== undefined && !connection.usable) connection = this.#idle.pop();
      (connection ?? this.#open()).send(exchange);
    });
  }

  /**
   * Sends again, on a new connection, an idempotent call whose reused connection the server had
   * closed before any of the response came (it closed it as idle while the call was on its way).
   */
  retry(exchange: Exchange): void {
    if (this.#closed) {
      exchange.reject(failure("the codexd socket client is closed", { code: "ECONNRESET" }));
      return;
    }
    this.#open().send(exchange);
  }

  #open(): Connection {
    const connection = new Connection(this, this.#connectTimeoutMs);
    this.#all.add(connection);
    return connection;
  }

  /** Takes no more calls and closes the idle connections; resolves once the calls in flight have ended. */
  close(): Promise<void> {
    this.#closed = true;
    for (const connection of this.#idle.splice(0)) connection.destroy();
    if (this.#all.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#drained.push(resolve));
  }

  readonly #drained: Array<() => void> = [];

  /** Called by a connection that finished an exchange and may carry another. */
  release(connection: Connection, serverKeepAliveMs: number | undefined): void {
    if (this.#closed) {
      connection.destroy();
      return;
    }
    // Idle a little less than the server would, so it never closes a connection we are reusing.
    const idleMs =
      serverKeepAliveMs === undefined
        ? this.#keepAliveMs
        : Math.min(this.#keepAliveMs, Math.max(0, serverKeepAliveMs - 1000));
    if (idleMs === 0) {
      connection.destroy();
      return;
    }
    connection.idleUntil = performance.now() + idleMs;
    this.#idle.push(connection);
    this.#scheduleSweep();
  }

  forget(connection: Connection): void {
    this.#all.delete(connection);
    const index = this.#idle.indexOf(connection);
    if (index !== -1) this.#idle.splice(index, 1);
    if (this.#closed && this.#all.size === 0) for (const resolve of this.#drained.splice(0)) resolve();
  }

  #sweep: NodeJS.Timeout | undefined;

  // One timer for all idle connections: those idle past their time are closed.
  #scheduleSweep(): void {
    if (this.#sweep !== undefined) return;
    this.#sweep = setTimeout(() => {
      this.#sweep = undefined;
      const now = performance.now();
      for (const connection of [...this.#idle]) if (connection.idleUntil <= now) connection.destroy();
      if (this.#idle.length > 0) this.#scheduleSweep();
    }, 1000);
    this.#sweep.unref();
  }
}

interface Exchange {
  head: string;
  body: string | Buffer | undefined;
  method: string;
  timeoutMs: number;
  resolve: (reply: UnixHttpReply) => void;
  reject: (error: Error) => void;
}

/** An error without a stack trace worth taking. */
function failure(message: string, fields: { name?: string; code?: string } = {}): Error {
  const error = new Error(message) as Error & { code?: string };
  if (fields.name !== undefined) error.name = fields.name;
  if (fields.code !== undefined) error.code = fields.code;
  return error;
}

// Methods that may be sent twice (RFC 9110 9.2.2): only these are retried.
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]);
const EMPTY = Buffer.alloc(0);

class Connection {
  readonly #client: UnixHttpClient;
  readonly #socket: Socket;
  #connected = false;
  #connectTimer: NodeJS.Timeout | undefined;
  #exchange: Exchange | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;
  /** Exchanges this connection completed. */
  #served = 0;
  /** Whether any byte of the current response arrived. */
  #responseBegan = false;
  idleUntil = 0;

  // The response being read: its bytes not yet used, and the reader.
  #pending: Buffer = EMPTY;
  readonly #reader = new Http1ResponseReader();

  constructor(client: UnixHttpClient, connectTimeoutMs: number) {
    this.#client = client;
    this.#socket = connect({ path: client.path });
    this.#connectTimer = setTimeout(() => {
      this.#connectTimer = undefined;
      this.#fail(failure(`connecting to ${client.path} timed out`, { code: "ECONNECT_TIMEOUT" }));
    }, connectTimeoutMs);
    this.#socket.once("connect", () => {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = undefined;
      this.#connected = true;
      const exchange = this.#exchange;
      if (exchange !== undefined) this.#write(exchange);
    });
    this.#socket.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on("end", () => this.#onEnd());
    this.#socket.on("error", (error) => this.#fail(error));
    this.#socket.on("close", () =>
      this.#fail(failure("codexd closed the connection before answering", { code: "ECONNRESET" }))
    );
  }

  /** Idle, open, and not closed by the peer meanwhile. */
  get usable(): boolean {
    return (
      !this.#done &&
      this.#exchange === undefined &&
      this.#connected &&
      !this.#socket.destroyed &&
      this.#socket.readable
    );
  }

  send(exchange: Exchange): void {
    this.#exchange = exchange;
    this.#responseBegan = false;
    this.#resetResponse(exchange.method);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#fail(failure(`codexd did not answer within ${exchange.timeoutMs} ms`, { name: "TimeoutError" }));
    }, exchange.timeoutMs);
    if (this.#connected) this.#write(exchange);
  }

  destroy(): void {
    this.#fail(failure("the codexd socket client closed the connection", { code: "ECONNRESET" }));
  }

  #write(exchange: Exchange): void {
    const { body } = exchange;
    if (body === undefined) {
      this.#socket.write(exchange.head, "latin1");
    } else if (typeof body === "string") {
      // Head and body in one write; the head is ASCII, so utf8 encodes it unchanged.
      this.#socket.write(exchange.head + body, "utf8");
    } else {
      this.#socket.cork();
      this.#socket.write(exchange.head, "latin1");
      this.#socket.write(body);
      this.#socket.uncork();
    }
  }

  #resetResponse(method: string): void {
    this.#pending = EMPTY;
    this.#reader.reset(method);
  }

  #onData(chunk: Buffer): void {
    if (this.#exchange === undefined) {
      // Bytes nobody asked for: this connection cannot be trusted with another request.
      this.destroy();
      return;
    }
    this.#responseBegan = true;
    let data = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = EMPTY;
    try {
      while (data.length > 0) {
        if (this.#exchange === undefined) {
          // A response ended with bytes left over: nothing was asked for them.
          this.destroy();
          return;
        }
        const used = this.#reader.step(data);
        if (used < 0) {
          this.#pending = data;
          return;
        }
        data = data.subarray(used);
        const response = this.#reader.take();
        if (response !== undefined) this.#complete(response);
      }
    } catch (error) {
      this.#fail(error as Error);
    }
  }

  #onEnd(): void {
    const response = this.#exchange === undefined ? undefined : this.#reader.end();
    if (response !== undefined) {
      this.#complete(response);
      return;
    }
    this.#fail(failure("codexd closed the connection before answering", { code: "ECONNRESET" }));
  }

  #complete(response: Http1Response): void {
    const exchange = this.#exchange;
    if (exchange === undefined) return;
    this.#exchange = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const headers: UnixHttpReply["headers"] = {};
    if (response.contentType !== undefined) headers["content-type"] = response.contentType;
    if (response.retryAfter !== undefined) headers["retry-after"] = response.retryAfter;
    const reply: UnixHttpReply = { status: response.status, headers, body: response.body };
    this.#served += 1;
    if (response.keepAlive) {
      this.#client.release(this, response.serverKeepAliveMs);
    } else {
      this.destroy();
    }
    exchange.resolve(reply);
  }

  // Ends the connection for good; an exchange in flight fails with `error`.
  #fail(error: Error): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#connectTimer !== undefined) clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    if (!this.#done) {
      this.#done = true;
      this.#client.forget(this);
      this.#socket.destroy();
    }
    if (exchange === undefined) return;
    const code = (error as { code?: string }).code;
    if (
      this.#served > 0 &&
      !this.#responseBegan &&
      IDEMPOTENT.has(exchange.method) &&
      (code === "ECONNRESET" || code === "EPIPE")
    ) {
      this.#client.retry(exchange);
      return;
    }
    exchange.reject(error);
  }
}

// Request line and headers. Header values come from Node's parser or from this service; a
// value with a line break would split the request, so it is refused.
function requestHead(req: UnixHttpRequest): string {
  if (!/^[A-Z]+$/.test(req.method)) throw failure(`not an HTTP method: ${JSON.stringify(req.method)}`);
  if (!isFieldSafe(req.path) || req.path.includes(" "))
    throw failure("the request path holds characters HTTP cannot carry");
  const host = req.origin.slice(req.origin.indexOf("//") + 2);
  let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${host}\r\nconnection: keep-alive\r\n`;
  for (const name in req.headers) {
    const value = req.headers[name]!;
    if (!isFieldSafe(name) || !isFieldSafe(value))
      throw failure(`header ${JSON.stringify(name)} holds characters HTTP cannot carry`);
    head += `${name}: ${value}\r\n`;
  }
  const { body } = req;
  if (body !== undefined) {
    head += `content-length: ${typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.length}\r\n`;
  } else if (req.method === "POST" || req.method === "PUT" || req.method === "PATCH") {
    head += "content-length: 0\r\n";
  }
  return `${head}\r\n`;
}

function isFieldSafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0d || code === 0x0a || code === 0x00) return false;
  }
  return true;
}
