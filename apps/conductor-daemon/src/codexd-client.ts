import type { Logger } from "pino";
import { isLoopbackHost } from "@baa/net-trust";
import { createUndiciTransport, type CodexdTransport, type UndiciTransport } from "./codexd-transport.js";
import { conductorError } from "./errors.js";

/** What codexd answered, body kept as text so the proxy can return it verbatim. */
export interface CodexdReply {
  status: number;
  /** The JSON text codexd sent ("" for an empty body). */
  text: string;
  /** Parsed `text`; undefined for an empty body. */
  json: unknown;
  retryAfter?: string;
}

export interface CodexdRequest {
  method: string;
  /** Path under codexd's origin, with its query string, e.g. `/v1/codexd/sessions?x=1`. */
  pathAndQuery: string;
  body?: string;
  contentType?: string;
  accept?: string;
  timeoutMs?: number;
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
 * (503) and every answer that is not JSON `codexd_bad_gateway` (502); nothing is cached, so the
 * next call tries again.
 */
export class CodexdClient {
  readonly baseUrl: string;
  readonly connectTimeoutMs: number;
  readonly #origin: string;
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
    this.#requestTimeoutMs = options.requestTimeoutMs;
    this.connectTimeoutMs = options.connectTimeoutMs;
    this.#logger = options.logger;
    if (options.transport !== undefined) {
      this.#transport = options.transport;
      this.#close = async () => {};
    } else {
      const own = createUndiciTransport({
        connectTimeoutMs: options.connectTimeoutMs,
        onSocketFailure: (path, error) => this.#logger?.warn({ err: error, path }, "codexd's local socket failed; using TCP")
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

  async request(request: CodexdRequest): Promise<CodexdReply> {
    this.#maybeDiscoverSocket();
    const headers: Record<string, string> = {};
    if (request.contentType !== undefined) headers["content-type"] = request.contentType;
    if (request.accept !== undefined) headers.accept = request.accept;
    let reply: Awaited<ReturnType<CodexdTransport>>;
    try {
      reply = await this.#transport({
        url: `${this.#origin}${request.pathAndQuery}`,
        method: request.method,
        headers,
        ...(request.body === undefined ? {} : { body: request.body }),
        timeoutMs: request.timeoutMs ?? this.#requestTimeoutMs
      });
    } catch (error) {
      if (isTimeout(error)) {
        throw conductorError("codexd_timeout", `codexd did not answer ${request.method} ${request.pathAndQuery.split("?", 1)[0]} in time`, {
          cause: error
        });
      }
      throw conductorError("codexd_unavailable", `codexd is not reachable at ${this.baseUrl}`, { cause: error });
    }
    const { text } = reply;
    let json: unknown;
    if (text !== "") {
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw conductorError(
          "codexd_bad_gateway",
          `codexd answered ${request.method} ${request.pathAndQuery.split("?", 1)[0]} with a body that is not JSON`,
          { cause: error }
        );
      }
    }
    const header = reply.headers["retry-after"];
    const retryAfter = Array.isArray(header) ? header[0] : header;
    return retryAfter === undefined ? { status: reply.status, text, json } : { status: reply.status, text, json, retryAfter };
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
    this.status().catch((error: unknown) => this.#logger?.debug({ err: error }, "codexd status for its local socket failed; staying on TCP"));
  }

  #learnSocket(data: object): void {
    if (this.#local === undefined) return;
    const path = (data as { service?: { localSocketPath?: unknown } }).service?.localSocketPath;
    const next = typeof path === "string" && path !== "" ? path : null;
    if (next === this.#local.socketPath) return;
    this.#local.useSocket(next);
    this.#logger?.info({ path: next }, next === null ? "codexd serves TCP only" : "calls to codexd go over its local socket");
  }
}

// A connection that opened but got no answer in time: codexd is there, just slow. A connect
// timeout stays "unavailable".
function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string; code?: string } | null)?.name;
  const code = (error as { code?: string } | null)?.code;
  return name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
}
