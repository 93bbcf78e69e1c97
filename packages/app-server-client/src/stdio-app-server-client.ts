import type { ClientInfo, InitializeParams, InitializeResponse, v2 } from "@baa/codex-protocol";

import type { AppServerClient, ClientRequestMethod, ClientRequestParams } from "./app-server-client.js";
import { ChildExitWatcher, type ChildExit } from "./child-exit.js";
import { listenIfSupported, type ChildLike } from "./child-like.js";
import { AppServerClosedError, AppServerExitedError, AppServerProtocolError } from "./errors.js";
import { EventStream, toAppServerEvent, type AppServerEvent } from "./event-stream.js";
import { JsonRpcConnection, type RequestOptions } from "./json-rpc-connection.js";
import { LineSplitter } from "./line-splitter.js";
import type { OverloadRetryOptions } from "./overload-retry.js";
import { defaultServerRequestHandler, type ServerRequestHandler } from "./server-request-handler.js";
import { systemTimers, type Timers } from "@baa/clock";

/** Sent in `initialize` unless the caller gives its own. */
export const DEFAULT_CLIENT_INFO: Readonly<ClientInfo> = Object.freeze({
  name: "baa-codexd",
  title: "baa-conductor codexd",
  version: "0.1.0"
});

const STDERR_TAIL_LENGTH = 4096;

/** Options of {@link createStdioAppServerClient}. */
export interface StdioAppServerClientOptions {
  /** A spawned `codex app-server` (or a fake); the client owns its stdin and reads its stdout. */
  child: ChildLike;
  clientInfo?: ClientInfo;
  /** Timeout of each request attempt; default 30000 ms. */
  requestTimeoutMs?: number;
  /** Answers server→client requests; default {@link defaultServerRequestHandler} (declines). */
  onServerRequest?: ServerRequestHandler;
  /** Malformed JSON-RPC, responses to unknown ids, oversize lines. */
  onProtocolError?: (error: Error, line?: string) => void;
  /** Stdout lines that are not JSON (stray logging); otherwise ignored. */
  onNonProtocolLine?: (line: string) => void;
  /** An event listener threw; the other listeners still got the event. */
  onListenerError?: (error: unknown) => void;
  /** Retry of -32001 (overloaded) answers; default 4 attempts, 100 ms base, 2000 ms cap. */
  overloadRetry?: Partial<OverloadRetryOptions>;
  /** How long `close()` waits after ending stdin, and again after SIGTERM and SIGKILL; default 2000 ms. */
  closeGraceMs?: number;
  /**
   * When stdout ends before the exit event, pending requests fail after this long (default
   * 100 ms) even if the exit never comes; an exit within it fails them at once, with its code.
   */
  stdoutEndGraceMs?: number;
  /** Longest accepted stdout line; default 16 MiB. */
  maxLineLength?: number;
  timers?: Timers;
  random?: () => number;
}

/**
 * An {@link AppServerClient} speaking JSON-RPC 2.0 to `codex app-server` over the child's
 * stdio, one JSON object per line.
 */
export class StdioAppServerClient implements AppServerClient {
  /** Every notification, flattened, in arrival order. */
  readonly events: EventStream<AppServerEvent>;
  readonly #child: ChildLike;
  readonly #connection: JsonRpcConnection;
  readonly #clientInfo: ClientInfo;
  readonly #timers: Timers;
  readonly #closeGraceMs: number;
  readonly #stdoutEndGraceMs: number;
  readonly #exitWatcher: ChildExitWatcher;
  #stderrTail = "";
  // Lines that came after a response which settled a request, held until the event loop's next
  // turn: the code awaiting that response (answering an HTTP request, say) runs first, not after
  // every notification that shared its stdout chunk. Lines are still handled in arrival order.
  #held: string[] = [];
  #heldHead = 0;
  #holding = false;
  #releaseScheduled = false;
  #spawnError: unknown;
  #closing: Promise<void> | undefined;

  constructor(options: StdioAppServerClientOptions) {
    this.#child = options.child;
    this.#clientInfo = options.clientInfo ?? { ...DEFAULT_CLIENT_INFO };
    this.#timers = options.timers ?? systemTimers;
    this.#closeGraceMs = options.closeGraceMs ?? 2000;
    this.#stdoutEndGraceMs = options.stdoutEndGraceMs ?? 100;
    this.events = new EventStream(options.onListenerError);
    this.#connection = new JsonRpcConnection({
      write: (line) => this.#write(line),
      onNotification: (method, params) => this.events.emit(toAppServerEvent(method, params)),
      onServerRequest: options.onServerRequest ?? defaultServerRequestHandler,
      onProtocolError: options.onProtocolError,
      onNonProtocolLine: options.onNonProtocolLine,
      requestTimeoutMs: options.requestTimeoutMs,
      overloadRetry: options.overloadRetry,
      timers: this.#timers,
      random: options.random
    });
    this.#attach(options);
    this.#exitWatcher = new ChildExitWatcher(this.#child, this.#timers, (exit) => this.#onExit(exit));
  }

  /** The child's pid, if it has one. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How the child exited, once it has. */
  get exit(): ChildExit | undefined {
    return this.#exitWatcher.exit;
  }

  /** The last few KiB of the child's stderr. */
  get stderrTail(): string {
    return this.#stderrTail;
  }

  /** Sends any app-server request; the result is whatever the server answered. */
  request<M extends ClientRequestMethod>(
    method: M,
    params: ClientRequestParams<M>,
    options?: RequestOptions
  ): Promise<unknown> {
    if (this.#closing !== undefined) {
      return Promise.reject(new AppServerClosedError(method));
    }
    return this.#connection.request(method, params, options);
  }

  /** Sends a notification; throws if the child is gone. */
  notify(method: string, params?: unknown): void {
    this.#connection.notify(method, params);
  }

  async initialize(): Promise<InitializeResponse> {
    const params: InitializeParams = { clientInfo: this.#clientInfo, capabilities: null };
    const response = (await this.request("initialize", params)) as InitializeResponse;
    this.notify("initialized");
    return response;
  }

  async threadStart(params: v2.ThreadStartParams): Promise<v2.ThreadStartResponse> {
    return (await this.request("thread/start", params)) as v2.ThreadStartResponse;
  }

  async threadResume(params: v2.ThreadResumeParams): Promise<v2.ThreadResumeResponse> {
    return (await this.request("thread/resume", params)) as v2.ThreadResumeResponse;
  }

  async turnStart(params: v2.TurnStartParams): Promise<v2.TurnStartResponse> {
    return (await this.request("turn/start", params)) as v2.TurnStartResponse;
  }

  async turnSteer(params: v2.TurnSteerParams): Promise<v2.TurnSteerResponse> {
    return (await this.request("turn/steer", params)) as v2.TurnSteerResponse;
  }

  async turnInterrupt(params: v2.TurnInterruptParams): Promise<v2.TurnInterruptResponse> {
    return (await this.request("turn/interrupt", params)) as v2.TurnInterruptResponse;
  }

  /**
   * Ends stdin (app-server exits when its input closes); a child still running after the grace
   * period gets SIGTERM, then SIGKILL. Resolves once it has exited, or after a last grace period
   * following SIGKILL. New requests are refused from the first call on.
   */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    if (!(await this.#exitWatcher.stop(this.#closeGraceMs))) {
      // The exit never came (a stuck or fake child); stop waiting but leave no request hanging.
      this.#releaseAll();
      this.#connection.terminate(new AppServerExitedError(null, null, this.#stderrTail));
    }
  }

  #attach(options: StdioAppServerClientOptions): void {
    const child = this.#child;
    const splitter = new LineSplitter({
      onLine: (line) => this.#receive(line),
      onOversizeLine: (error) => options.onProtocolError?.(error),
      maxLineLength: options.maxLineLength
    });
    child.stdout?.on("data", (chunk) => splitter.push(chunk));
    let stdoutEnded = false;
    const onStdoutEnd = (): void => {
      if (stdoutEnded) {
        return;
      }
      stdoutEnded = true;
      splitter.flush();
      // Whatever stdout brought is handled before a missing exit can fail the requests.
      this.#releaseAll();
      // Without stdout no response can arrive. The exit event usually follows within
      // milliseconds and carries code and signal, so give it a moment before failing without them.
      this.#timers.setTimeout(() => {
        if (this.#exitWatcher.exit === undefined) {
          this.#connection.terminate(new AppServerExitedError(null, null, this.#stderrTail));
        }
      }, this.#stdoutEndGraceMs);
    };
    // A destroyed stream emits only "close"; a drained one emits "end" first.
    listenIfSupported(child.stdout, "end", onStdoutEnd);
    listenIfSupported(child.stdout, "close", onStdoutEnd);
    child.stderr?.on("data", (chunk) => {
      this.#stderrTail = (this.#stderrTail + String(chunk)).slice(-STDERR_TAIL_LENGTH);
    });
    // EPIPE after the child died surfaces through exit/end; without a listener it would crash us.
    listenIfSupported(child.stdin, "error", () => {});
    listenIfSupported(child, "error", (error) => {
      // Only a failed spawn (no pid) means there will be no child; a failed kill changes nothing.
      if (child.pid === undefined) {
        this.#spawnError = error;
        this.#exitWatcher.markExited({ code: null, signal: null });
      }
    });
  }

  #receive(line: string): void {
    if (this.#holding) {
      this.#held.push(line);
      return;
    }
    if (this.#connection.handleLine(line)) this.#hold();
  }

  #hold(): void {
    this.#holding = true;
    if (this.#releaseScheduled) return;
    this.#releaseScheduled = true;
    // After the microtasks (the awaiting code) and before the next I/O is read.
    setImmediate(() => {
      this.#releaseScheduled = false;
      this.#release(false);
    });
  }

  /** Handles the held lines; unless `all`, stops again after the next one that settles a request. */
  #release(all: boolean): void {
    this.#holding = false;
    while (this.#heldHead < this.#held.length) {
      const line = this.#held[this.#heldHead] as string;
      this.#heldHead += 1;
      if (this.#connection.handleLine(line) && !all && this.#heldHead < this.#held.length) {
        this.#hold();
        return;
      }
    }
    this.#held = [];
    this.#heldHead = 0;
  }

  /** Handles every held line now (the child is gone or going: nothing may be left unhandled). */
  #releaseAll(): void {
    this.#release(true);
  }

  #onExit(exit: ChildExit): void {
    this.#releaseAll();
    const spawnError = this.#spawnError === undefined ? "" : `\n${String(this.#spawnError)}`;
    this.#connection.terminate(
      new AppServerExitedError(exit.code, exit.signal, this.#stderrTail + spawnError)
    );
  }

  #write(line: string): void {
    const stdin = this.#child.stdin;
    if (stdin === null) {
      throw new AppServerProtocolError("the app-server child has no stdin pipe");
    }
    // write() returning false only means node buffers it; app-server reads continuously.
    stdin.write(`${line}\n`);
  }
}

/** Creates a {@link StdioAppServerClient} for a spawned `codex app-server` child. */
export function createStdioAppServerClient(options: StdioAppServerClientOptions): StdioAppServerClient {
  return new StdioAppServerClient(options);
}
