import { EventEmitter } from "node:events";
import type { AppServerClient, AppServerEvent } from "@baa/app-server-client";

/** A child process stand-in: pipes as emitters, `kill` reports an exit. */
export class FakeChild extends EventEmitter {
  pid = 4242;
  killed: string[] = [];
  stdin = { write: () => true, end: () => {} };
  stdout = new EventEmitter();
  stderr = new EventEmitter();

  kill(signal: string = "SIGTERM"): boolean {
    this.killed.push(signal);
    this.emit("exit", null, signal);
    return true;
  }
}

type Listener = (event: AppServerEvent) => void;

/**
 * An in-memory app-server: threads and turns by counter; a turn finishes when the test calls
 * `finishTurn`, or at once when `autoComplete` is set.
 */
export class FakeAppServer implements AppServerClient {
  readonly listeners = new Set<Listener>();
  readonly calls: { method: string; params: unknown }[] = [];
  autoComplete = true;
  /** Set by the factory: codexd's handler for server→client requests. */
  onServerRequest:
    | ((request: { id: number; method: string; params: unknown }) => Promise<unknown>)
    | undefined;
  #requestId = 0;

  /** Sends a server→client request as app-server would; resolves to codexd's answer. */
  serverRequest(method: string, params: Record<string, unknown>): Promise<unknown> {
    if (this.onServerRequest === undefined) throw new Error("no handler");
    return this.onServerRequest({ id: ++this.#requestId, method, params });
  }
  failNext: Error | undefined;
  #thread = 0;
  #turn = 0;

  emit(method: string, params: Record<string, unknown>): void {
    for (const l of this.listeners)
      l({ ...params, notificationMethod: method, type: method.replaceAll("/", ".") });
  }

  events = {
    subscribe: (listener: Listener) => {
      this.listeners.add(listener);
      return { unsubscribe: () => this.listeners.delete(listener) };
    }
  };

  async initialize() {
    return { userAgent: "fake/1.0", codexHome: "/tmp", platformFamily: "unix", platformOs: "linux" };
  }

  async threadStart(params: Record<string, unknown>) {
    this.#take("thread/start", params);
    const id = `thread-${++this.#thread}`;
    return {
      thread: { id },
      model: (params.model as string) ?? "mock",
      modelProvider: "fake",
      cwd: params.cwd,
      approvalPolicy: params.approvalPolicy
    } as never;
  }

  async threadResume(params: Record<string, unknown>) {
    this.#take("thread/resume", params);
    return { thread: { id: params.threadId } } as never;
  }

  async turnStart(params: { threadId: string }) {
    this.#take("turn/start", params);
    const turn = { id: `turn-${++this.#turn}`, status: "inProgress" };
    if (this.autoComplete) {
      queueMicrotask(() => {
        this.emit("turn/started", { threadId: params.threadId, turn });
        this.emit("item/completed", {
          threadId: params.threadId,
          turnId: turn.id,
          item: { type: "agentMessage", text: "done" }
        });
        this.emit("turn/completed", { threadId: params.threadId, turn: { ...turn, status: "completed" } });
      });
    }
    return { turn } as never;
  }

  finishTurn(threadId: string, turnId: string, status = "completed"): void {
    this.emit("turn/completed", { threadId, turn: { id: turnId, status } });
  }

  async turnSteer(params: { expectedTurnId: string }) {
    this.#take("turn/steer", params);
    return { turnId: params.expectedTurnId } as never;
  }

  async turnInterrupt(params: unknown) {
    this.#take("turn/interrupt", params);
    return {} as never;
  }

  /** How many times a client was closed (a child stopped). */
  closes = 0;
  async close() {
    this.closes += 1;
  }

  #take(method: string, params: unknown): void {
    this.calls.push({ method, params });
    if (this.failNext !== undefined) {
      const error = this.failNext;
      this.failNext = undefined;
      throw error;
    }
  }
}
