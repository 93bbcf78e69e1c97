import type { Logger } from "pino";
import type { AppServerClient } from "@baa/app-server-client";
import { AppServerChild, type AppServerChildOptions, type ChildExit } from "./app-server-child.js";
import type { DaemonStateFile } from "../state/daemon-state.js";
import type { EventLog } from "@baa/event-log";
import { backgroundTimers, type Timers } from "@baa/clock";
import { decideRestart, type RestartPolicy } from "./restart-policy.js";

export interface ChildSupervisorOptions {
  child: Omit<AppServerChildOptions, "onExit">;
  daemonState: DaemonStateFile;
  events: EventLog;
  policy: RestartPolicy;
  logger: Logger;
  now: () => number;
  random?: () => number;
  /** The restart delay runs on these (default: Node's, unref'd); tests pass manual ones. */
  timers?: Timers;
  /** The child is up: re-attach sessions before it is reported running. */
  onUp: (client: AppServerClient) => Promise<void>;
  /** The child is gone: whatever it was running is interrupted for this reason. */
  onDown: (reason: string) => void;
}

/**
 * Keeps one `codex app-server` alive: restarts it after an exit with backoff and jitter, and
 * stops after a crash loop with the reason in status, until `restart()` is asked for.
 */
export class ChildSupervisor {
  readonly #o: ChildSupervisorOptions;
  #current: AppServerChild | undefined;
  #exitTimes: number[] = [];
  #timer: unknown;
  #stopped = false;
  #launching: Promise<boolean> | undefined;
  #restarting: Promise<boolean> | undefined;

  constructor(options: ChildSupervisorOptions) {
    this.#o = options;
  }

  get client(): AppServerClient | undefined {
    return this.#o.daemonState.state.child.status === "running" ? this.#current?.client : undefined;
  }

  get pid(): number | null {
    return this.#current?.pid ?? null;
  }

  /** First launch; a failure is not thrown but handled like a crash (status tells). */
  start(): Promise<boolean> {
    this.#stopped = false;
    return this.#launch();
  }

  /** By hand (or by the watchdog, with its reason): forget the crash history, replace a live child, start a failed one. */
  restart(reason = "codex app-server restarted by request"): Promise<boolean> {
    // Asked again while one runs, it is the same restart: a second would only kill the child
    // the first is bringing up (and hold its caller through two session resumes).
    this.#restarting ??= this.#restartNow(reason).finally(() => {
      this.#restarting = undefined;
    });
    return this.#restarting;
  }

  async #restartNow(reason: string): Promise<boolean> {
    this.#clearTimer();
    this.#exitTimes = [];
    await this.#launching;
    const previous = this.#current;
    if (previous !== undefined) {
      this.#current = undefined;
      await previous.stop();
      this.#o.onDown(reason);
    }
    // stop() may have come while the old child was going: launching now would leave a child
    // nobody stops.
    if (this.#stopped) return false;
    this.#o.daemonState.updateChild({ restarts: this.#o.daemonState.state.child.restarts + 1 });
    return this.#launch();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    await this.#restarting?.catch((error: unknown) =>
      this.#o.logger.warn({ err: error }, "a restart failed while codexd stopped")
    );
    await this.#launching?.catch(() => {});
    const current = this.#current;
    this.#current = undefined;
    await current?.stop();
  }

  #launch(): Promise<boolean> {
    const run = async (): Promise<boolean> => {
      const { daemonState, events, logger } = this.#o;
      daemonState.updateChild({ status: "starting", pid: null, nextRestartAt: null });
      const child = new AppServerChild({ ...this.#o.child, onExit: (exit) => this.#onExit(child, exit) });
      this.#current = child;
      try {
        await child.start();
        const client = child.client;
        if (client === undefined) throw new Error("codex app-server exited while starting");
        await this.#o.onUp(client);
      } catch (error) {
        await child.stop();
        if (this.#current === child) this.#current = undefined;
        if (this.#stopped) return false;
        const reason = (error as Error).message;
        logger.warn({ err: error }, "codex app-server failed to start");
        events.record({ type: "child.start_failed", data: { reason } });
        this.#afterExit(reason);
        return false;
      }
      if (this.#stopped || this.#current !== child) {
        // Stopped (or replaced) while it came up: it must not outlive its supervisor.
        if (this.#current === child) this.#current = undefined;
        await child.stop();
        return false;
      }
      daemonState.updateChild({ status: "running", lastError: null });
      events.record({ type: "child.started", data: { pid: child.pid } });
      return true;
    };
    const launching = run().finally(() => {
      if (this.#launching === launching) this.#launching = undefined;
    });
    this.#launching = launching;
    return launching;
  }

  #onExit(child: AppServerChild, exit: ChildExit): void {
    if (this.#stopped || child !== this.#current) return;
    this.#current = undefined;
    const exited = `codex app-server exited (code ${exit.code ?? "none"}, signal ${exit.signal ?? "none"})`;
    const reason = exit.reason === undefined ? exited : `${exit.reason}; killed (${exited})`;
    this.#o.logger.warn({ exitCode: exit.code, signal: exit.signal }, "codex app-server exited");
    this.#o.daemonState.updateChild({
      status: "exited",
      pid: null,
      exitCode: exit.code,
      exitSignal: exit.signal,
      exitedAt: new Date(this.#o.now()).toISOString()
    });
    this.#o.events.record({ type: "child.exited", data: { code: exit.code, signal: exit.signal } });
    this.#o.onDown(reason);
    this.#afterExit(reason);
  }

  #afterExit(reason: string): void {
    const now = this.#o.now();
    this.#exitTimes = [...this.#exitTimes.filter((t) => now - t <= this.#o.policy.windowMs), now];
    const decision = decideRestart(this.#o.policy, this.#exitTimes, now, this.#o.random ?? Math.random);
    const { daemonState, events } = this.#o;
    if (decision.action === "give_up") {
      daemonState.updateChild({
        status: "failed",
        lastError: `${reason}; ${decision.reason}`,
        nextRestartAt: null
      });
      events.record({ type: "child.failed", data: { reason: decision.reason, lastExit: reason } });
      return;
    }
    daemonState.updateChild({
      status: "restarting",
      lastError: reason,
      nextRestartAt: new Date(now + decision.delayMs).toISOString()
    });
    events.record({
      type: "child.restart_scheduled",
      data: { delayMs: decision.delayMs, attempt: decision.attempt, reason }
    });
    this.#timer = (this.#o.timers ?? backgroundTimers).setTimeout(() => {
      this.#timer = undefined;
      daemonState.updateChild({ restarts: daemonState.state.child.restarts + 1 });
      void this.#launch();
    }, decision.delayMs);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) (this.#o.timers ?? backgroundTimers).clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
