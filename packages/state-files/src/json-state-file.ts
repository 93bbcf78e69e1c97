import { writeJsonAtomic } from "./atomic-json.js";

/**
 * One JSON state file whose writes are coalesced: many `save()` calls in a burst produce one
 * atomic write of the newest value, `flush()` writes synchronously. Keeps the hot path free of
 * repeated full-file writes while never writing an older value after a newer one.
 */
export class JsonStateFile<T> {
  readonly path: string;
  readonly #delayMs: number;
  #pending: T | undefined;
  #hasPending = false;
  #timer: NodeJS.Timeout | undefined;
  #onError: (error: unknown) => void;

  constructor(path: string, options: { delayMs?: number; onError?: (error: unknown) => void } = {}) {
    this.path = path;
    this.#delayMs = options.delayMs ?? 20;
    this.#onError = options.onError ?? (() => {});
  }

  save(value: T): void {
    this.#pending = value;
    this.#hasPending = true;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.#delayMs);
      this.#timer.unref();
    }
  }

  /** Writes now if a save is pending. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.#hasPending) return;
    const value = this.#pending;
    this.#hasPending = false;
    this.#pending = undefined;
    try {
      writeJsonAtomic(this.path, value);
    } catch (error) {
      this.#onError(error);
    }
  }
}
