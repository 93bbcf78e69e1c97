import type { ControlStore } from "@baa/control-store";
import type { Logger } from "pino";
import type { ClockTimers } from "@baa/clock";

export type LockStore = Pick<ControlStore, "acquireLease" | "releaseLease">;

export interface TargetLockOptions {
  store: LockStore;
  /** This node's id. */
  holder: string;
  ttlMs: number;
  timers: ClockTimers;
  logger: Logger;
}

/** The store lease that lets one node at a time land on a repository's target. */
export function landLockScope(repo: string, target: string): string {
  return `land:${repo}:${target}`;
}

/**
 * A held land lock, renewed every third of its TTL while held. A failed renew marks it lost
 * for good: the holder stops after its current step, and `confirm` (called right before a
 * target moves) renews once more so a lapsed holder never moves a ref.
 */
export class TargetLock {
  readonly scope: string;
  #term: number;
  #lost = false;
  #released = false;
  #timer: unknown;
  readonly #o: TargetLockOptions;

  private constructor(scope: string, term: number, options: TargetLockOptions) {
    this.scope = scope;
    this.#term = term;
    this.#o = options;
    this.#schedule();
  }

  /** Null when another node holds it. */
  static async take(
    options: TargetLockOptions & { repo: string; target: string }
  ): Promise<TargetLock | null> {
    const scope = landLockScope(options.repo, options.target);
    const held = await options.store.acquireLease({ scope, holder: options.holder, ttlMs: options.ttlMs });
    if (held === null) return null;
    return new TargetLock(scope, held.term, options);
  }

  get lost(): boolean {
    return this.#lost;
  }

  /** Renews now; false (and lost from then on) when the lease is no longer ours under our term. */
  async confirm(): Promise<boolean> {
    if (this.#lost || this.#released) return false;
    try {
      const held = await this.#o.store.acquireLease({
        scope: this.scope,
        holder: this.#o.holder,
        ttlMs: this.#o.ttlMs
      });
      if (held === null || held.term !== this.#term) this.#lose("another node holds it");
    } catch (error) {
      this.#lose("renewal failed", error);
    }
    return !this.#lost;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#o.timers.clearTimeout(this.#timer);
    if (this.#lost) return;
    try {
      await this.#o.store.releaseLease({ scope: this.scope, holder: this.#o.holder, term: this.#term });
    } catch (error) {
      // It lapses by its TTL; the next holder only waits that long.
      this.#o.logger.warn({ err: error, scope: this.scope }, "could not release the land lock");
    }
  }

  #schedule(): void {
    this.#timer = this.#o.timers.setTimeout(
      () => {
        void this.confirm().then((held) => {
          if (held && !this.#released) this.#schedule();
        });
      },
      Math.max(1, Math.floor(this.#o.ttlMs / 3))
    );
  }

  #lose(why: string, error?: unknown): void {
    if (!this.#lost)
      this.#o.logger.warn(
        { scope: this.scope, term: this.#term, why, ...(error === undefined ? {} : { err: error }) },
        "land lock lost"
      );
    this.#lost = true;
  }
}
