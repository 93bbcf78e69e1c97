import { writeJsonAtomic } from "@baa/state-files";

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

/** daemon-state.json: small and rarely changed, so every change is written through at once. */
export class DaemonStateFile {
  readonly state: DaemonState;
  readonly #path: string;
  readonly #now: () => number;

  constructor(options: { path: string; now: () => number; initial: DaemonState }) {
    this.#path = options.path;
    this.#now = options.now;
    this.state = options.initial;
  }

  update(change: (state: DaemonState) => void): void {
    change(this.state);
    this.state.updatedAt = new Date(this.#now()).toISOString();
    writeJsonAtomic(this.#path, this.state);
  }

  updateChild(change: Partial<ChildState>): void {
    this.update((state) => Object.assign(state.child, change));
  }
}
