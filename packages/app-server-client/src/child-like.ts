/** The readable side of a child's stdio pipe, as far as the client needs it. */
export interface ChildReadableLike {
  on(event: "data", listener: (chunk: Buffer | string) => void): unknown;
}

/** The writable side of a child's stdin pipe, as far as the client needs it. */
export interface ChildWritableLike {
  write(chunk: string): boolean;
  end(): void;
}

/**
 * The part of a spawned child process the client uses. Node's `ChildProcess` satisfies it, and
 * so does a minimal fake with only these members.
 */
export interface ChildLike {
  pid?: number;
  /** Set once the child has exited (node's `ChildProcess` has it); lets the client see an exit that happened before it attached. */
  exitCode?: number | null;
  signalCode?: NodeJS.Signals | string | null;
  stdin: ChildWritableLike | null;
  stdout: ChildReadableLike | null;
  stderr: ChildReadableLike | null;
  on(event: "exit", listener: (code: number | null, signal: string | null) => void): unknown;
  once(event: "exit", listener: (code: number | null, signal: string | null) => void): unknown;
  // Not `Signals | string`: node's own kill takes `Signals | number`, and only `Signals` fits both.
  kill(signal?: NodeJS.Signals): boolean;
}

type LooseEmitter = { on?: (event: string, listener: (...args: unknown[]) => void) => unknown };

/**
 * Listens for an event the structural types do not promise (stream `end`, pipe `error`).
 * Real node streams have them; a minimal fake may not, and then nothing is attached.
 */
export function listenIfSupported(
  target: unknown,
  event: string,
  listener: (...args: unknown[]) => void
): void {
  const on = (target as LooseEmitter | null)?.on;
  if (typeof on === "function") {
    on.call(target, event, listener);
  }
}
