import type { Logger } from "pino";
import { isLoopbackHost } from "@baa/net-trust";
import {
  createUndiciTransport,
  type CodexdTransport,
  type TransportReply,
  type UndiciTransport
} from "./codexd-transport.js";
import { conductorError } from "../errors.js";

/**
 * What codexd answered, body kept as codexd's bytes so the proxy can return it verbatim. `json`
 * is parsed on first use only (the proxy never needs it on its hot path).
 */
export class CodexdReply {
  readonly status: number;
  /** The body's bytes as codexd sent them (empty: no body). */
  readonly body: Buffer;
  readonly retryAfter: string | undefined;
  readonly #request: CodexdRequest;
  #parsed = false;
  #json: unknown;

  constructor(
    status: number,
    body: Buffer,
    retryAfter: string | undefined,
    request: CodexdRequest,
    json?: { value: unknown }
  ) {
    this.status = status;
    this.body = body;
    this.retryAfter = retryAfter;
    this.#request = request;
    if (json !== undefined) {
      this.#parsed = true;
      this.#json = json.value;
    }
  }

  /** The JSON text codexd sent ("" for an empty body). */
  get text(): string {
    return this.body.toString("utf8");
  }

  /**
   * Parsed body; undefined for an empty body.
   * @throws codexd_bad_gateway for a body that is not JSON
   */
  get json(): unknown {
    if (!this.#parsed) {
      this.#json =
        this.body.length === 0 ? undefined : parseOrBadGateway(this.body.toString("utf8"), this.#request);
      this.#parsed = true;
    }
    return this.#json;
  }
}

export interface CodexdRequest {
  method: string;
  /** Path under codexd's origin, with its query string, e.g. `/v1/codexd/sessions?x=1`. */
  pathAndQuery: string;
  /** The body as text or as the client's bytes. */
  body?: string | Buffer;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
  /**
   * Leave a body typed as JSON unparsed until `json` is read (the proxy, which passes the bytes
   * on). Without it every non-empty body is parsed before `request` returns, so one that is not
   * JSON is `codexd_bad_gateway` right there.
   */
  lazyJson?: boolean;
}

export interface CodexdClientOptions {
  /** codexd's base URL exactly as configured. */
  baseUrl: string;
  /** Bound on one proxied exchange (connect + response). */
  requestTimeoutMs: number;
  /** Bound on quick calls (status, readiness) and on opening the event stream. */
  connectTimeoutMs: number;
  transport?: CodexdTransport;
  /** Where the switch to codexd's Unix socket and any fallback to TCP are logged. */
  logger?: Logger;
}

/** How often to ask codexd again for its socket while calls go over TCP. */
const SOCKET_DISCOVERY_EVERY_MS = 30_000;

/**
 * Talks to the local codexd over HTTP. Every failure to reach it becomes `codexd_unavailable`
 * (503) and every response that is not JSON `codexd_bad_gateway` (502); nothing is cached, so the
 * next call tries again.
 */
export class CodexdClient {
  readonly baseUrl: string;
  readonly connectTimeoutMs: number;
  readonly #origin: string;
  /** `#origin` as undici wants it (scheme, host, port) and the base URL's path, if any. */
  readonly #urlOrigin: string;
  readonly #basePath: string;
  readonly #requestTimeoutMs: number;
  readonly #transport: CodexdTransport;
  readonly #close: () => Promise<void>;
  /** Our own undici transport when codexd is on this machine: it may move to codexd's socket. */
  readonly #local: UndiciTransport | undefined;
  readonly #logger: Logger | undefined;
  #discoveredAt = Number.NEGATIVE_INFINITY;

  constructor(options: CodexdClientOptions) {
    this.baseUrl = options.baseUrl;
    this.#origin = options.baseUrl.replace(/\/+$/, "");
    const base = new URL(this.#origin);
    this.#urlOrigin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, "");
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.#logger = options.logger;
    if (options.transport !== undefined) {
      this.#transport = options.transport;
      this.#close = async () => {};
    } else {
      const own = createUndiciTransport({
        connectTimeoutMs: options.connectTimeoutMs,
        onSocketFailure: (path, error) =>
          this.#logger?.warn({ err: error, path }, "codexd's local socket failed; using TCP")
      });
      this.#transport = own;
      this.#close = () => own.close();
      // A socket file is only reachable when codexd runs on this machine.
      if (isLoopbackHost(new URL(options.baseUrl).hostname)) this.#local = own;
    }
  }

  /** The Unix socket calls go over now (null: TCP). */
  get socketPath(): string | null {
    return this.#local?.socketPath ?? null;
  }

  /** The WebSocket URL of codexd's event stream with the given query string (`?a=b` or ""). */
  eventsUrl(search: string): string {
    const url = new URL(`${this.#origin}/v1/codexd/events`);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return `${url.toString()}${search}`;
  }

  /**
   * The event stream on codexd's Unix socket (a `ws+unix:` URL and the TCP Host to send, so
   * codexd's guard sees its own name), or null while calls go over TCP or the socket path is
   * not one a URL carries as is.
   */
  eventsSocket(search: string): { url: string; host: string } | null {
    const path = this.socketPath;
    if (path === null || !/^[A-Za-z0-9._/-]+$/.test(path)) return null;
    return {
      url: `ws+unix://${path}:${this.#basePath}/v1/codexd/events${search}`,
      host: this.#urlOrigin.slice(this.#urlOrigin.indexOf("//") + 2)
    };
  }

  async request(request: CodexdRequest): Promise<CodexdReply> {
    this.#maybeDiscoverSocket();
    const headers: Record<string, string> = {};
    if (request.contentType !== undefined) headers["content-type"] = request.contentType;
    if (request.accept !== undefined) headers.accept = request.accept;
    let reply: TransportReply;
    try {
      reply = await this.#transport({
        origin: this.#urlOrigin,
        path: `${this.#basePath}${request.pathAndQuery}`,
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        timeoutMs: request.timeoutMs ?? this.#requestTimeoutMs
      });
    } catch (error) {
      if (isTimeout(error)) {
        throw conductorError(
          "codexd_timeout",
          `codexd did not answer ${request.method} ${request.pathAndQuery.split("?", 1)[0]} in time`,
          {
            cause: error
          }
        );
      }
      throw conductorError("codexd_unavailable", `codexd is not reachable at ${this.baseUrl}`, {
        cause: error
      });
    }
    const body = typeof reply.body === "string" ? Buffer.from(reply.body, "utf8") : reply.body;
    // For a lazy caller a response typed as JSON and shaped as a JSON document is parsed only when
    // it reads `json`; any other non-empty response is parsed now, so one that is not JSON is
    // refused before it reaches a caller.
    const json =
      body.length === 0 ||
      (request.lazyJson === true && isJsonType(reply.headers["content-type"]) && looksLikeJsonDocument(body))
        ? undefined
        : { value: parseOrBadGateway(body.toString("utf8"), request) };
    return new CodexdReply(reply.status, body, reply.headers["retry-after"], request, json);
  }

  /** Closes the keep-alive connections to codexd. */
  close(): Promise<void> {
    return this.#close();
  }

  /** `GET /v1/codexd/status` within the connect timeout; returns codexd's `data`. */
  async status(): Promise<unknown> {
    const reply = await this.request({
      method: "GET",
      pathAndQuery: "/v1/codexd/status",
      accept: "application/json",
      timeoutMs: this.connectTimeoutMs
    });
    const body = reply.json as { ok?: unknown; data?: unknown; error?: { code?: unknown } } | undefined;
    if (reply.status !== 200 || body?.ok !== true || typeof body.data !== "object" || body.data === null) {
      const code = typeof body?.error?.code === "string" ? ` ${body.error.code}` : "";
      throw conductorError("codexd_bad_gateway", `codexd status answered ${reply.status}${code}`);
    }
    this.#learnSocket(body.data);
    return body.data;
  }

  // While calls go over TCP, asks codexd now and then (in the background) for its socket.
  #maybeDiscoverSocket(): void {
    if (this.#local === undefined || this.#local.socketPath !== null) return;
    const now = performance.now();
    if (now - this.#discoveredAt < SOCKET_DISCOVERY_EVERY_MS) return;
    this.#discoveredAt = now;
    this.status().catch((error: unknown) =>
      this.#logger?.debug({ err: error }, "codexd status for its local socket failed; staying on TCP")
    );
  }

  #learnSocket(data: object): void {
    if (this.#local === undefined) return;
    const path = (data as { service?: { localSocketPath?: unknown } }).service?.localSocketPath;
    const next = typeof path === "string" && path !== "" ? path : null;
    if (next === this.#local.socketPath) return;
    this.#local.useSocket(next);
    this.#logger?.info(
      { path: next },
      next === null ? "codexd serves TCP only" : "calls to codexd go over its local socket"
    );
  }
}

// A connection that opened but got no response in time: codexd is there, just slow. A connect
// timeout stays "unavailable".
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string; code?: string } | null)?.name;
  const code = (error as { code?: string } | null)?.code;
  return name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}

// `application/json`, with or without parameters, any case.
function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.length > 16 ? contentType.slice(0, 16) : contentType;
  if (type.toLowerCase() !== "application/json") return false;
  const next = contentType.charCodeAt(16);
  // Nothing after the type, or its parameters (";"), or whitespace before them.
  return Number.isNaN(next) || next === 0x3b || next === 0x20 || next === 0x09;
}

// codexd answers with an object or an array: `{...}` or `[...]`, perhaps with whitespace around.
// (A response's length is checked by the HTTP parser, so a cut-off body does not get here.)
function looksLikeJsonDocument(body: Buffer): boolean {
  let first = 0;
  let last = body.length - 1;
  while (first <= last && isJsonSpace(body[first]!)) first++;
  while (last > first && isJsonSpace(body[last]!)) last--;
  if (first >= last) return false;
  const open = body[first]!;
  const close = body[last]!;
  return (open === 0x7b && close === 0x7d) || (open === 0x5b && close === 0x5d);
}

function isJsonSpace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function parseOrBadGateway(text: string, request: CodexdRequest): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const what = `${request.method} ${request.pathAndQuery.split("?", 1)[0]}`;
    throw conductorError("codexd_bad_gateway", `codexd answered ${what} with a body that is not JSON`, {
      cause: error
    });
  }
}
