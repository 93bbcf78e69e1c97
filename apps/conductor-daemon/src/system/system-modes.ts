import type { ControlStore, SystemMode, SystemStateRecord } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";

/** What the scheduler asks before every claim. */
export interface SystemGate {
  /** True only while the mode is `running` and no usage-limit pause is in force. */
  mayClaim(): boolean;
}

export type SystemModesStore = Pick<ControlStore, "getSystemState" | "setSystemMode" | "setQuotaPause">;

export interface SystemModesOptions {
  store: SystemModesStore;
  timers: ClockTimers;
  logger: Logger;
  /** How often the mode is read again from the store (another node may have changed it). */
  refreshEveryMs: number;
}

/**
 * The system mode as this node knows it. The store holds the truth (shared by every node and
 * kept across restarts); this keeps the last read for the scheduler's synchronous check.
 * Until the first read succeeds nothing may be claimed. A change made through this node is
 * seen by its own scheduler at once, a change made through another node within
 * `refreshEveryMs`.
 */
export class SystemModes implements SystemGate {
  readonly #options: SystemModesOptions;
  readonly #logger: Logger;
  #state: SystemStateRecord | null = null;
  #timer: unknown;
  #running = false;
  #refreshing: Promise<unknown> | undefined;
  #failing = false;

  constructor(options: SystemModesOptions) {
    this.#options = options;
    this.#logger = options.logger.child({ component: "system" });
  }

  mayClaim(): boolean {
    const state = this.#state;
    if (state === null || state.mode !== "running") return false;
    return !quotaPauseInForce(state, this.#options.timers.wallNow());
  }

  /** The last state read or written; null before the first read. */
  cached(): SystemStateRecord | null {
    return this.#state;
  }

  async refresh(): Promise<SystemStateRecord> {
    const state = await this.#options.store.getSystemState();
    this.#remember(state);
    return state;
  }

  async setMode(mode: SystemMode, reason: string | null): Promise<SystemStateRecord> {
    const before = this.#state?.mode;
    const state = await this.#options.store.setSystemMode(mode, reason);
    // One line per change made here; #remember logs only the changes another node made.
    this.#remember(state, { quiet: true });
    this.#logger.info({ mode, before, reason }, "system mode set");
    return state;
  }

  /** Stops claiming until `until` (ISO; null clears it): the account's usage limit was reached. */
  async setQuotaPause(until: string | null, reason: string | null): Promise<SystemStateRecord> {
    const state = await this.#options.store.setQuotaPause(until, reason);
    this.#remember(state);
    this.#logger.info(
      { until, reason },
      until === null ? "quota pause cleared" : "claiming paused until the usage limit resets"
    );
    return state;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) this.#options.timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#refreshing;
  }

  #remember(state: SystemStateRecord, { quiet = false } = {}): void {
    const before = this.#state;
    this.#state = state;
    if (!quiet && before !== null && before.mode !== state.mode)
      this.#logger.info({ mode: state.mode, before: before.mode }, "system mode changed");
  }

  #loop(waitMs: number): void {
    this.#timer = this.#options.timers.setTimeout(() => {
      this.#timer = undefined;
      if (!this.#running) return;
      this.#refreshing = this.refresh().then(
        () => {
          if (this.#failing) this.#logger.info("system state readable again");
          this.#failing = false;
        },
        (error: unknown) => {
          // The cached mode stays: the store being down stops claims anyway.
          if (!this.#failing) this.#logger.warn({ err: error }, "could not read the system state");
          this.#failing = true;
        }
      );
      void this.#refreshing.then(() => {
        if (this.#running) this.#loop(this.#options.refreshEveryMs);
      });
    }, waitMs);
  }
}

export function quotaPauseInForce(state: SystemStateRecord, nowMs: number): boolean {
  return state.quotaPausedUntil !== null && Date.parse(state.quotaPausedUntil) > nowMs;
}
