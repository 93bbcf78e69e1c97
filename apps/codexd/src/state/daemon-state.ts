import { backgroundTimers, type Timers } from "@baa/clock";
import { retryDelayMs, writeJsonAtomic, type StateFs, type WriteHealth } from "@baa/state-files";
import type { CodexdConfig } from "../config.js";

export type ChildStatus = "idle" | "starting" | "running" | "restarting" | "exited" | "failed" | "stopped";

export interface ChildState {
  status: ChildStatus;
  pid: number | null;
  command: string;
  args: string[];
  cwd: string;
  startedAt: string | null;
  exitedAt: string | null;
  exitCode: number | null;
  exitSignal: string | null;
  restarts: number;
  nextRestartAt: string | null;
  lastError: string | null;
  userAgent: string | null;
}

export interface DaemonState {
  started: boolean;
  startedAt: string | null;
  stoppedAt: string | null;
  pid: number;
  version: string;
  nodeId: string;
  child: ChildState;
  updatedAt: string;
}

/** A daemon that has not started yet, its child idle. */
export function initialDaemonState(config: CodexdConfig, pid: number, nowMs: number): DaemonState {
  return {
    started: false,
    startedAt: null,
    stoppedAt: null,
    pid,
    version: config.version,
    nodeId: config.nodeId,
    updatedAt: new Date(nowMs).toISOString(),
    child: {
      status: "idle",
      pid: null,
      command: config.server.childCommand,
      args: [...config.server.childArgs],
      cwd: config.server.childCwd,
      startedAt: null,
      exitedAt: null,
      exitCode: null,
      exitSignal: null,
      restarts: 0,
      nextRestartAt: null,
      lastError: null,
      userAgent: null
    }
  };
}

/**
 * daemon-state.json: small and rarely changed, so every change is written through at once.
 * A failed write is reported to `health` and retried with backoff; the newest state goes then.
 */
export class DaemonStateFile {
  readonly state: DaemonState;
  readonly #path: string;
  readonly #now: () => number;
  readonly #health: WriteHealth;
  readonly #fs: StateFs | undefined;
  readonly #timers: Timers;
  #failures = 0;
  #retry: unknown;
  #durable = true;
  #lightWrites = false;

  constructor(options: {
    path: string;
    now: () => number;
    initial: DaemonState;
    health: WriteHealth;
    fs?: StateFs;
    timers?: Timers;
  }) {
    this.#path = options.path;
    this.#now = options.now;
    this.state = options.initial;
    this.#health = options.health;
    this.#fs = options.fs;
    this.#timers = options.timers ?? backgroundTimers;
  }

  update(change: (state: DaemonState) => void): void {
    change(this.state);
    this.state.updatedAt = new Date(this.#now()).toISOString();
    // While failing, the scheduled retry writes the newest state.
    if (this.#retry === undefined) this.#write();
  }

  updateChild(change: Partial<ChildState>): void {
    this.update((state) => Object.assign(state.child, change));
  }

  /**
   * While codexd starts (its API not open, nothing yet reported from this file), writes are
   * atomic (renamed into place: a reader never sees a torn file) but not fsynced: six or so
   * changes of the start then cost no fsyncs on the path to listening. `syncFromNowOn()` ends
   * it; a power loss before then loses only a start nobody was told of.
   */
  deferSync(): void {
    this.#durable = false;
  }

  /**
   * Ends `deferSync()`: the state is written and fsynced now (if a write was deferred), and every
   * write after. A `change` given is made first and goes in that same write: one fsynced write
   * on the path to listening, not two.
   */
  syncFromNowOn(change?: (state: DaemonState) => void): void {
    if (this.#durable) {
      if (change !== undefined) this.update(change);
      return;
    }
    this.#durable = true;
    if (change !== undefined) {
      change(this.state);
      this.state.updatedAt = new Date(this.#now()).toISOString();
      this.#lightWrites = true;
    }
    if (this.#lightWrites && this.#retry === undefined) this.#write();
  }

  /** Stops retrying (shutdown). */
  close(): void {
    if (this.#retry !== undefined) this.#timers.clearTimeout(this.#retry);
    this.#retry = undefined;
  }

  #write(): void {
    try {
      writeJsonAtomic(this.#path, this.state, { fs: this.#fs, durable: this.#durable });
      this.#lightWrites = !this.#durable;
    } catch (error) {
      this.#failures += 1;
      const delay = retryDelayMs(this.#failures);
      this.#retry = this.#timers.setTimeout(() => {
        this.#retry = undefined;
        this.#write();
      }, delay);
      this.#health.failed(this.#path, error, {
        retry: () => {
          this.close();
          this.#write();
          if (this.#failures > 0) throw error;
        },
        nextRetryAt: this.#now() + delay
      });
      return;
    }
    this.#failures = 0;
    this.#health.succeeded(this.#path);
  }
}
