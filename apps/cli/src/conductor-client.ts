import { WebSocket } from "ws";
import type { CliConfig } from "./config.js";
import { CliError, ExitCode } from "./exit-codes.js";

/** The conductor's HTTP API as `baa` uses it: `{ok:true,data}` in, typed data or a CliError out. */
export class ConductorClient {
  readonly #config: CliConfig;

  constructor(config: CliConfig) {
    this.#config = config;
  }

  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  #headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { accept: "application/json", ...extra };
    if (this.#config.token !== undefined) headers.authorization = `Bearer ${this.#config.token}`;
    return headers;
  }

  async get<T>(path: string, query: Record<string, string | number | undefined> = {}): Promise<T> {
    return this.request<T>("GET", withQuery(path, query));
  }

  async post<T>(path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>("POST", path, body, headers);
  }

  /** One exchange; resolves `data` of a 2xx answer. */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<T> {
    const url = `${this.#config.baseUrl}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: this.#headers(
          body === undefined ? headers : { "content-type": "application/json", ...headers }
        ),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#config.timeoutMs)
      });
    } catch (error) {
      throw unreachable(this.#config.baseUrl, error, this.#config.timeoutMs);
    }
    const text = await response.text().catch(() => "");
    let payload: { ok?: boolean; data?: unknown; error?: { code?: string; message?: string } } | undefined;
    try {
      payload = text === "" ? undefined : JSON.parse(text);
    } catch {
      payload = undefined;
    }
    if (!response.ok) {
      const code = payload?.error?.code;
      const message = payload?.error?.message ?? `HTTP ${response.status}`;
      const hint =
        response.status === 401 ? " (set BAA_SHARED_TOKEN or --token-file; see docs/runtime/cli.md)" : "";
      throw new CliError(
        response.status >= 500 ? ExitCode.serverError : ExitCode.refused,
        `${method} ${path}: ${code ?? response.status}: ${message}${hint}`,
        {
          ...(code === undefined ? {} : { code }),
          status: response.status
        }
      );
    }
    if (payload?.ok !== true)
      throw new CliError(
        ExitCode.serverError,
        `${method} ${path}: the answer is not the API's {ok, data} envelope`
      );
    return payload.data as T;
  }

  /**
   * Opens a WebSocket on a conductor path and resolves once it is open; each message is parsed
   * JSON. `closed` resolves with the close code and reason.
   */
  async openSocket(
    path: string,
    query: Record<string, string | number | undefined>,
    onMessage: (event: unknown) => void
  ): Promise<EventSocket> {
    const url = `${this.#config.baseUrl.replace(/^http/, "ws")}${withQuery(path, query)}`;
    const socket = new WebSocket(url, { headers: this.#headers() });
    const closed = new Promise<{ code: number; reason: string }>((resolveClosed) =>
      socket.once("close", (code, reason) => resolveClosed({ code, reason: reason.toString() }))
    );
    socket.on("message", (data) => {
      const text = data.toString();
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (error) {
        // The streams send JSON only; show what came instead of dropping it unseen.
        event = {
          seq: -1,
          type: "baa.unparsable-frame",
          data: { text: text.slice(0, 500), error: (error as Error).message }
        };
      }
      onMessage(event);
    });
    await new Promise<void>((resolveOpen, reject) => {
      socket.once("open", () => resolveOpen());
      socket.once("unexpected-response", (_request, response) => {
        const status = response.statusCode ?? 0;
        let text = "";
        response.on("data", (chunk: Buffer) => (text += chunk.toString()));
        response.on("end", () => {
          let message = `HTTP ${status}`;
          try {
            const body = JSON.parse(text) as { error?: { code?: string; message?: string } };
            if (body.error) message = `${body.error.code}: ${body.error.message}`;
          } catch {
            // not the envelope; keep the status
          }
          reject(
            new CliError(status >= 500 ? ExitCode.serverError : ExitCode.refused, `WS ${path}: ${message}`, {
              status
            })
          );
        });
      });
      socket.once("error", (error) =>
        reject(unreachable(this.#config.baseUrl, error, this.#config.timeoutMs))
      );
    });
    return { closed, close: () => socket.close(1000, "done") };
  }
}

export interface EventSocket {
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
  const text = params.toString();
  return text === "" ? path : `${path}?${text}`;
}

function unreachable(baseUrl: string, error: unknown, timeoutMs: number): CliError {
  const err = error as {
    name?: string;
    cause?: { code?: string; message?: string };
    code?: string;
    message?: string;
  };
  const code = err.cause?.code ?? err.code;
  const why =
    err.name === "TimeoutError"
      ? `no answer within ${timeoutMs} ms`
      : code === "ECONNREFUSED"
        ? "connection refused (is the conductor running?)"
        : (code ?? err.cause?.message ?? err.message ?? "unknown error");
  return new CliError(ExitCode.unreachable, `cannot reach the conductor at ${baseUrl}: ${why}`, {
    cause: error
  });
}
