import type { Logger } from "pino";
import { backgroundTimers, type Timers } from "@baa/clock";
import type { RssReader } from "./child-rss.js";

export type WatchdogDecision =
  | { action: "ok" }
  /** Over the limit while a turn runs on the child: restarted once it is idle. */
  | { action: "wait_for_idle"; reason: string }
  | { action: "restart"; reason: string };

/**
 * What one reading of the child's memory calls for. Pure: the caller reads the RSS and knows
 * whether a turn runs. A child is never restarted under a running turn.
 */
export function decideWatchdog(input: {
  rssBytes: number | null;
  maxRssBytes: number;
  activeTurns: number;
}): WatchdogDecision {
  if (input.rssBytes === null || input.rssBytes <= input.maxRssBytes) return { action: "ok" };
  const reason = `codex app-server resident memory ${mb(input.rssBytes)} MiB is over BAA_CODEXD_CHILD_MAX_RSS_MB (${mb(input.maxRssBytes)} MiB)`;
  return input.activeTurns > 0
    ? {
        action: "wait_for_idle",
        reason: `${reason}; restarting once no turn runs (${input.activeTurns} running)`
      }
    : { action: "restart", reason };
}

function mb(bytes: number): number {
  return Math.round((bytes / (1024 * 1024)) * 10) / 10;
}

/** The watchdog's part of status (`daemon.child.watchdog`). */
export interface WatchdogState {
  /** The limit in MiB; null when the watchdog is off. */
  maxRssMb: number | null;
  intervalMs: number;
  /** The last reading, in bytes, and when it was taken. */
  lastRssBytes: number | null;
  lastCheckedAt: string | null;
  /** Set while the child is over the limit but a turn runs on it. */
  pendingReason: string | null;
  restarts: number;
  lastRestartAt: string | null;
  lastRestartReason: string | null;
  lastError: string | null;
}

export interface ChildWatchdogOptions {
  maxRssMb: number;
  intervalMs: number;
  pid: () => number | null;
  activeTurns: () => number;
  readRss: RssReader;
  /** Restarts the child (its sessions are resumed by the supervisor's onUp). */
  restart: (reason: string) => Promise<unknown>;
  /** Told after every reading and restart (status reads `state` directly). */
  onChange?: (state: WatchdogState) => void;
  logger: Logger;
  now: () => number;
  timers?: Timers;
}

/**
 * Reads the child's RSS every `intervalMs` and restarts a child over `maxRssMb` when no turn
 * runs on it (openai/codex reports app-server idling at gigabytes). Off when `maxRssMb` is 0.
 */
export class ChildWatchdog {
  readonly #o: ChildWatchdogOptions;
  readonly state: WatchdogState;
  #timer: unknown;
  #checking: Promise<void> | undefined;
  #started = false;
  #stopped = false;

  constructor(options: ChildWatchdogOptions) {
    this.#o = options;
    this.state = {
      maxRssMb: options.maxRssMb > 0 ? options.maxRssMb : null,
      intervalMs: options.intervalMs,
      lastRssBytes: null,
      lastCheckedAt: null,
      pendingReason: null,
      restarts: 0,
      lastRestartAt: null,
      lastRestartReason: null,
      lastError: null
    };
  }

  start(): void {
    if (this.state.maxRssMb === null || this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) (this.#o.timers ?? backgroundTimers).clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#checking;
  }

  /** One reading and what it calls for; the timer calls it, tests may too. */
  check(): Promise<void> {
    this.#checking ??= this.#check().finally(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = (this.#o.timers ?? backgroundTimers).setTimeout(() => {
      this.#timer = undefined;
      void this.check().then(() => this.#schedule());
    }, this.#o.intervalMs);
  }

  async #check(): Promise<void> {
    const { logger } = this.#o;
    const maxRssMb = this.state.maxRssMb;
    const pid = this.#o.pid();
    if (maxRssMb === null || pid === null || this.#stopped) return;
    let rssBytes: number | null;
    try {
      rssBytes = await this.#o.readRss(pid);
    } catch (error) {
      this.#set({ lastError: `could not read the child's memory: ${(error as Error).message}` });
      logger.warn({ err: error, pid }, "child watchdog could not read the child's memory");
      return;
    }
    // The child was replaced while we read: this reading is not about the current one.
    if (this.#o.pid() !== pid) return;
    const decision = decideWatchdog({
      rssBytes,
      maxRssBytes: maxRssMb * 1024 * 1024,
      activeTurns: this.#o.activeTurns()
    });
    const at = new Date(this.#o.now()).toISOString();
    this.#set({
      lastRssBytes: rssBytes,
      lastCheckedAt: at,
      lastError: null,
      pendingReason: decision.action === "wait_for_idle" ? decision.reason : null
    });
    if (decision.action !== "restart" || this.#stopped) return;
    logger.warn(
      { pid, rssBytes, maxRssMb },
      "child watchdog: restarting codex app-server over its memory limit"
    );
    this.#set({ restarts: this.state.restarts + 1, lastRestartAt: at, lastRestartReason: decision.reason });
    await this.#o.restart(`watchdog: ${decision.reason}`);
  }

  #set(change: Partial<WatchdogState>): void {
    Object.assign(this.state, change);
    this.#o.onChange?.(this.state);
  }
}
