import WebSocket from "ws";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";
import type { CodexdStreamEvent } from "./worker-codexd.js";

export interface SessionEventsOptions {
  /** The stream URL replaying after `after`. */
  url: (after: number) => string;
  after: number;
  onEvent: (event: CodexdStreamEvent) => void;
  timers: ClockTimers;
  logger: Logger;
  /** Wait before reconnecting a dropped stream (codexd restarting, say). */
  reconnectDelayMs: number;
  connectTimeoutMs: number;
}

/**
 * Follows one session's events on codexd's stream. A dropped stream is reopened with
 * `after=<last seq seen>`, so no event is missed nor delivered twice.
 */
export class SessionEvents {
  readonly #o: SessionEventsOptions;
  #after: number;
  #socket: WebSocket | undefined;
  #timer: unknown;
  #closed = false;
  #dropped = 0;

  constructor(options: SessionEventsOptions) {
    this.#o = options;
    this.#after = options.after;
  }

  /** The last seq delivered. */
  get lastSeq(): number {
    return this.#after;
  }

  start(): void {
    this.#open();
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) this.#o.timers.clearTimeout(this.#timer);
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket === undefined) return;
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(1000, "run ended");
  }

  #open(): void {
    if (this.#closed) return;
    const socket = new WebSocket(this.#o.url(this.#after), {
      handshakeTimeout: this.#o.connectTimeoutMs,
      perMessageDeflate: false
    });
    this.#socket = socket;
    socket.on("open", () => {
      if (this.#dropped > 0) this.#o.logger.info({ after: this.#after }, "session event stream reopened");
      this.#dropped = 0;
    });
    socket.on("message", (data) => {
      let event: CodexdStreamEvent;
      try {
        event = JSON.parse(String(data)) as CodexdStreamEvent;
      } catch (error) {
        this.#o.logger.warn({ err: error }, "codexd sent an event that is not JSON; skipped");
        return;
      }
      if (typeof event.seq !== "number" || event.seq <= this.#after) return;
      this.#after = event.seq;
      this.#o.onEvent(event);
    });
    socket.on("error", (error) => {
      if (!this.#closed && this.#dropped === 0)
        this.#o.logger.warn({ err: error }, "session event stream failed");
    });
    socket.on("unexpected-response", (_request, response) => {
      response.resume();
      socket.terminate();
    });
    socket.on("close", (code, reason) => {
      if (this.#closed || this.#socket !== socket) return;
      if (this.#dropped === 0)
        this.#o.logger.warn({ code, reason: String(reason) }, "session event stream closed; reopening");
      this.#dropped += 1;
      this.#timer = this.#o.timers.setTimeout(() => {
        this.#timer = undefined;
        this.#open();
      }, this.#o.reconnectDelayMs);
    });
  }
}
