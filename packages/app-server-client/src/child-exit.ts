import type { ChildLike } from "./child-like.js";
import type { Timers } from "@baa/clock";

/** How the child ended. */
export interface ChildExit {
  code: number | null;
  signal: string | null;
}

/** Tracks when one child exits and stops it: end stdin, then SIGTERM, then SIGKILL. */
export class ChildExitWatcher {
  readonly #child: ChildLike;
  readonly #timers: Timers;
  readonly #onExit: (exit: ChildExit) => void;
  readonly #waiters = new Set<() => void>();
  #exit: ChildExit | undefined;

  constructor(child: ChildLike, timers: Timers, onExit: (exit: ChildExit) => void) {
    this.#child = child;
    this.#timers = timers;
    this.#onExit = onExit;
    child.on("exit", (code, signal) => this.markExited({ code, signal }));
    // The exit event is gone for good if it fired before we listened; node keeps the status.
    const code = child.exitCode ?? null;
    const signal = child.signalCode ?? null;
    if (code !== null || signal !== null) {
      this.markExited({ code, signal });
    }
  }

  /** How the child exited, once it has. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** Records the exit once; later calls are ignored. */
  markExited(exit: ChildExit): void {
    if (this.#exit !== undefined) {
      return;
    }
    this.#exit = exit;
    this.#onExit(exit);
    for (const wake of [...this.#waiters]) wake();
  }

  /** Resolves `true` once exited, or `false` if `ms` pass first. */
  waitForExit(ms: number): Promise<boolean> {
    if (this.#exit !== undefined) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const wake = (): void => {
        this.#waiters.delete(wake);
        this.#timers.clearTimeout(timer);
        resolve(this.#exit !== undefined);
      };
      const timer = this.#timers.setTimeout(wake, ms);
      this.#waiters.add(wake);
    });
  }

  /**
   * Ends stdin, then sends SIGTERM and SIGKILL, each after `graceMs` without an exit.
   * Resolves `true` once exited, `false` if even SIGKILL brought no exit within `graceMs`.
   */
  async stop(graceMs: number): Promise<boolean> {
    try {
      this.#child.stdin?.end();
    } catch {
      // A stdin that is already gone is what we want anyway.
    }
    for (const signal of [undefined, "SIGTERM", "SIGKILL"] as const) {
      if (signal !== undefined && this.#exit === undefined) {
        try {
          this.#child.kill(signal);
        } catch {
          // Only an invalid signal or a vanished process throws; the wait below decides.
        }
      }
      if (await this.waitForExit(graceMs)) {
        return true;
      }
    }
    return false;
  }
}
