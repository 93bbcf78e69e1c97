import type { RequestId } from "@baa/codex-protocol";

import {
  AppServerProtocolError,
  AppServerTimeoutError,
  JsonRpcError,
  JsonRpcErrorCode,
  toJsonRpcErrorObject
} from "./errors.js";
import { DEFAULT_OVERLOAD_RETRY, overloadRetryDelayMs, type OverloadRetryOptions } from "./overload-retry.js";
import type { ServerRequestHandler } from "./server-request-handler.js";
import { systemTimers, type Timers } from "@baa/clock";

/** Per-call options of a request. */
export interface RequestOptions {
  /** Overrides the connection's timeout for each attempt of this request. */
  timeoutMs?: number;
  /** Aborting rejects the request with the signal's reason; a late response is ignored. */
  signal?: AbortSignal;
}

/** Options of {@link JsonRpcConnection}. */
export interface JsonRpcConnectionOptions {
  /** Sends one serialized message; the connection adds no newline. */
  write: (line: string) => void;
  onNotification: (method: string, params: unknown) => void;
  onServerRequest: ServerRequestHandler;
  onProtocolError?: (error: Error, line?: string) => void;
  onNonProtocolLine?: (line: string) => void;
  /** Timeout of each request attempt; default 30000 ms. */
  requestTimeoutMs?: number;
  overloadRetry?: Partial<OverloadRetryOptions>;
  timers?: Timers;
  random?: () => number;
}

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

type Message = Record<string, unknown>;

/**
 * JSON-RPC 2.0 over a line transport, independent of processes: feed it received lines with
 * {@link handleLine}, give it a `write`, and call {@link terminate} when the peer is gone.
 */
export class JsonRpcConnection {
  readonly #options: JsonRpcConnectionOptions;
  readonly #timers: Timers;
  readonly #retry: OverloadRetryOptions;
  readonly #pending = new Map<string, Pending>();
  // Requests sleeping between overload retries; they count as pending for terminate().
  readonly #sleepers = new Set<(error: unknown) => void>();
  #nextId = 1;
  #terminal: Error | undefined;

  constructor(options: JsonRpcConnectionOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
    this.#retry = { ...DEFAULT_OVERLOAD_RETRY, ...options.overloadRetry };
  }

  /** Requests awaiting a response or an overload retry. */
  get pendingCount(): number {
    return this.#pending.size + this.#sleepers.size;
  }

  /** The error that ended the connection, if it has ended. */
  get terminalError(): Error | undefined {
    return this.#terminal;
  }

  /** Sends a request and resolves with its `result`; retries only on -32001 (overloaded). */
  async request(method: string, params: unknown, options: RequestOptions = {}): Promise<unknown> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#attempt(method, params, options);
      } catch (error) {
        const overloaded = error instanceof JsonRpcError && error.code === JsonRpcErrorCode.ServerOverloaded;
        if (!overloaded || attempt >= this.#retry.maxAttempts) {
          throw error;
        }
        const random = this.#options.random ?? Math.random;
        await this.#sleep(overloadRetryDelayMs(attempt, this.#retry, random), options.signal);
      }
    }
  }

  /** Sends a notification (no response expected). Throws if the connection has ended. */
  notify(method: string, params?: unknown): void {
    if (this.#terminal !== undefined) {
      throw this.#terminal;
    }
    this.#send({ jsonrpc: "2.0", method, params });
  }

  /**
   * Handles one received line (without its newline). Never throws. Returns true when the line
   * settled a pending request (its awaiting code resumes in a microtask).
   */
  handleLine(line: string): boolean {
    if (line.trim() === "") {
      return false;
    }
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.#options.onNonProtocolLine?.(line);
      return false;
    }
    if (message === null || typeof message !== "object" || Array.isArray(message)) {
      this.#protocolError("JSON line is not a JSON-RPC message object", line);
      return false;
    }
    const m = message as Message;
    const hasId = typeof m.id === "number" || typeof m.id === "string";
    if (typeof m.method === "string") {
      if (hasId) {
        this.#answer(m.id as RequestId, m.method, m.params);
      } else {
        this.#notification(m.method, m.params);
      }
      return false;
    }
    if (hasId && ("result" in m || "error" in m)) {
      return this.#response(m, line);
    }
    this.#protocolError("unrecognised JSON-RPC message", line);
    return false;
  }

  /** Rejects everything pending with `error`; later requests reject with it at once. */
  terminate(error: Error): void {
    this.#terminal = error;
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    const sleepers = [...this.#sleepers];
    this.#sleepers.clear();
    for (const entry of pending) entry.reject(error);
    for (const wake of sleepers) wake(error);
  }

  #attempt(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    if (this.#terminal !== undefined) {
      return Promise.reject(this.#terminal);
    }
    if (options.signal?.aborted === true) {
      return Promise.reject(options.signal.reason);
    }
    const id = this.#nextId++;
    const key = String(id);
    const timeoutMs = options.timeoutMs ?? this.#options.requestTimeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        this.#pending.delete(key);
        this.#timers.clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
      };
      const onAbort = (): void => {
        settle();
        reject(options.signal?.reason);
      };
      const timer = this.#timers.setTimeout(() => {
        settle();
        reject(new AppServerTimeoutError(method, timeoutMs));
      }, timeoutMs);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(key, {
        method,
        resolve: (result) => {
          settle();
          resolve(result);
        },
        reject: (error) => {
          settle();
          reject(error);
        }
      });
      try {
        this.#send({ jsonrpc: "2.0", id, method, params });
      } catch (error) {
        settle();
        reject(error);
      }
    });
  }

  #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: unknown): void => {
        this.#sleepers.delete(done);
        this.#timers.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => done(signal?.reason);
      const timer = this.#timers.setTimeout(() => done(), ms);
      this.#sleepers.add(done);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  #response(m: Message, line: string): boolean {
    const key = String(m.id);
    const pending = this.#pending.get(key);
    if (pending === undefined) {
      // Usually a response that arrived after its request timed out or was aborted.
      this.#protocolError(`response for unknown request id ${key}`, line);
      return false;
    }
    const error = m.error;
    if (error !== undefined && error !== null) {
      const e = (typeof error === "object" ? error : {}) as Message;
      const code = typeof e.code === "number" ? e.code : JsonRpcErrorCode.InternalError;
      const message = typeof e.message === "string" ? e.message : "error response without a message";
      pending.reject(new JsonRpcError(code, message, e.data, pending.method));
    } else {
      pending.resolve(m.result);
    }
    return true;
  }

  #notification(method: string, params: unknown): void {
    try {
      this.#options.onNotification(method, params);
    } catch (error) {
      this.#protocolError(`notification handler failed for ${method}: ${String(error)}`);
    }
  }

  #answer(id: RequestId, method: string, params: unknown): void {
    let answer: Promise<unknown>;
    try {
      answer = Promise.resolve(this.#options.onServerRequest({ id, method, params }));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (result) => this.#reply(id, { result: result ?? null }),
      (error: unknown) => this.#reply(id, { error: toJsonRpcErrorObject(error) })
    );
  }

  #reply(id: RequestId, body: { result: unknown } | { error: unknown }): void {
    if (this.#terminal !== undefined) {
      return;
    }
    try {
      this.#send({ jsonrpc: "2.0", id, ...body });
    } catch (error) {
      // A result that cannot be serialized still gets an answer.
      const fallback = {
        code: JsonRpcErrorCode.InternalError,
        message: `cannot send result: ${String(error)}`
      };
      try {
        this.#send({ jsonrpc: "2.0", id, error: fallback });
      } catch (sendError) {
        this.#protocolError(`cannot answer server request ${String(id)}: ${String(sendError)}`);
      }
    }
  }

  #send(message: Message): void {
    this.#options.write(JSON.stringify(message));
  }

  #protocolError(message: string, line?: string): void {
    try {
      this.#options.onProtocolError?.(new AppServerProtocolError(message), line);
    } catch {
      // A failing diagnostics hook must not break message handling.
    }
  }
}
