import type { Logger } from "pino";
import type { Timers } from "@baa/clock";
import type { StatusDocument } from "./status-collector.js";

/** One subscriber of the live status: gets each new document as JSON text. */
export type StatusListener = (json: string) => void;

/**
 * Refreshes the status document every `refreshMs` while anyone listens, and only then: the
 * next refresh is scheduled when the previous one has finished, so a hung source never piles
 * up collections. `poke()` refreshes at once (after an action, so its effect shows quickly).
 */
export class StatusStream {
  readonly #collect: () => Promise<StatusDocument>;
  readonly #refreshMs: number;
  readonly #timers: Timers;
  readonly #logger: Logger;
  readonly #listeners = new Set<StatusListener>();
  #timer: unknown;
  #running = false;
  #pokeAgain = false;
  #last: string | undefined;

  constructor(options: {
    collect: () => Promise<StatusDocument>;
    refreshMs: number;
    timers: Timers;
    logger: Logger;
  }) {
    this.#collect = options.collect;
    this.#refreshMs = options.refreshMs;
    this.#timers = options.timers;
    this.#logger = options.logger;
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  /** Adds a listener; it gets the latest document at once when there is one. Returns the remover. */
  subscribe(listener: StatusListener): () => void {
    this.#listeners.add(listener);
    if (this.#last !== undefined) listener(this.#last);
    if (this.#listeners.size === 1) this.poke();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) this.#stopTimer();
    };
  }

  /** Refresh now (or right after the refresh under way). */
  poke(): void {
    if (this.#listeners.size === 0) return;
    if (this.#running) {
      this.#pokeAgain = true;
      return;
    }
    this.#stopTimer();
    void this.#refresh();
  }

  /** Drops every listener and stops refreshing. */
  close(): void {
    this.#listeners.clear();
    this.#stopTimer();
  }

  async #refresh(): Promise<void> {
    this.#running = true;
    try {
      const json = JSON.stringify(await this.#collect());
      this.#last = json;
      for (const listener of [...this.#listeners]) {
        try {
          listener(json);
        } catch (error) {
          this.#logger.warn({ err: error }, "status listener failed; dropping it");
          this.#listeners.delete(listener);
        }
      }
    } catch (error) {
      // collect() never rejects by contract; if it does, keep the loop alive and say so.
      this.#logger.error({ err: error }, "status refresh failed");
    } finally {
      this.#running = false;
    }
    if (this.#listeners.size === 0) return;
    if (this.#pokeAgain) {
      this.#pokeAgain = false;
      void this.#refresh();
      return;
    }
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#refresh();
    }, this.#refreshMs);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
