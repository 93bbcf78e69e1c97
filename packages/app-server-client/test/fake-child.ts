import type { ChildLike } from "../src/child-like.js";

type Listener = (...args: never[]) => void;

/** An in-memory readable pipe that only knows `on` and `emit`. */
export class FakeStream {
  readonly #listeners = new Map<string, Listener[]>();

  on(event: string, listener: Listener): this {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
    return this;
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.#listeners.get(event) ?? []) {
      (listener as (...a: unknown[]) => void)(...args);
    }
  }
}

/** An in-memory stand-in for a spawned `codex app-server`. */
export class FakeChild implements ChildLike {
  pid = 4242;
  exitCode: number | null = null;
  signalCode: string | null = null;
  readonly written: string[] = [];
  readonly kills: string[] = [];
  stdinEnded = false;
  /** What `kill` does besides recording the signal; by default nothing (a stubborn child). */
  onKill: (signal: string) => void = () => {};
  readonly stdout = new FakeStream();
  readonly stderr = new FakeStream();
  readonly stdin = {
    write: (chunk: string): boolean => {
      this.written.push(chunk);
      for (const waiter of this.#writeWaiters.splice(0)) waiter();
      return true;
    },
    end: (): void => {
      this.stdinEnded = true;
    }
  };
  readonly #events = new FakeStream();
  readonly #writeWaiters: Array<() => void> = [];

  on(event: "exit", listener: (code: number | null, signal: string | null) => void): this {
    this.#events.on(event, listener);
    return this;
  }

  once(event: "exit", listener: (code: number | null, signal: string | null) => void): this {
    return this.on(event, listener);
  }

  kill(signal: NodeJS.Signals = "SIGTERM"): boolean {
    this.kills.push(signal);
    this.onKill(signal);
    return true;
  }

  exit(code: number | null, signal: string | null = null): void {
    this.exitCode = code;
    this.signalCode = signal;
    this.#events.emit("exit", code, signal);
  }

  /** Writes raw text to the child's stdout. */
  emitStdout(text: string | Buffer): void {
    this.stdout.emit("data", text);
  }

  /** Writes one JSON message as a line to the child's stdout. */
  send(message: unknown): void {
    this.emitStdout(`${JSON.stringify(message)}\n`);
  }

  /** Every message the client wrote, parsed. */
  messages(): Array<Record<string, unknown>> {
    return this.written
      .join("")
      .split("\n")
      .filter((line) => line !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Resolves once the client has written `count` messages in all. */
  async waitForMessages(count: number): Promise<Array<Record<string, unknown>>> {
    while (this.messages().length < count) {
      await new Promise<void>((resolve) => this.#writeWaiters.push(resolve));
    }
    return this.messages();
  }
}
