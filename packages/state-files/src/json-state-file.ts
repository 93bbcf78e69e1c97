import { renameSync, unlinkSync } from "node:fs";
import { open } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { mkdirSync } from "node:fs";
import { writeJsonAtomic } from "./atomic-json.js";

let tempCounter = 0;

/**
 * One JSON state file whose writes are coalesced and kept off the event loop: a burst of
 * `save()` calls produces one atomic write of the newest value; the slow part (write + fsync of
 * a temp file) runs in the background, the rename is synchronous and only ever moves a newer
 * version over an older one. `flush()` writes synchronously (shutdown).
 */
export class JsonStateFile<T> {
  readonly path: string;
  readonly #delayMs: number;
  readonly #durable: boolean;
  readonly #onError: (error: unknown) => void;
  #pending: { value: T; version: number } | undefined;
  #latest: { value: T; version: number } | undefined;
  #version = 0;
  #written = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  #urgent = false;

  /**
   * `delayMs`: how long saves are coalesced (an urgent save skips it). `durable`: fsync before
   * the rename; without it a crash of this process still never tears the file (the rename is
   * atomic), only a power loss may lose the last write.
   */
  constructor(path: string, options: { delayMs?: number; durable?: boolean; onError?: (error: unknown) => void } = {}) {
    this.path = path;
    this.#delayMs = options.delayMs ?? 20;
    this.#durable = options.durable ?? true;
    this.#onError = options.onError ?? (() => {});
  }

  /** Queues the newest value; `urgent` writes it as soon as the write before it is done. */
  save(value: T, options: { urgent?: boolean } = {}): void {
    this.#version += 1;
    this.#pending = { value, version: this.#version };
    this.#latest = this.#pending;
    if (options.urgent === true && !this.#urgent) {
      this.#urgent = true;
      if (this.#timer !== undefined) {
        this.#clearTimer();
      }
    }
    this.#schedule();
  }

  /**
   * Writes the newest value now, synchronously — also when a background write of it is still
   * running (that one then finds itself outdated and is dropped).
   */
  flush(): void {
    this.#clearTimer();
    const pending = this.#pending ?? this.#latest;
    this.#pending = undefined;
    if (pending === undefined || pending.version <= this.#written) return;
    try {
      writeJsonAtomic(this.path, pending.value);
      this.#written = pending.version;
    } catch (error) {
      this.#onError(error);
    }
  }

  /** Resolves when no background write is running or pending (tests, orderly stop). */
  async settled(): Promise<void> {
    while (this.#inFlight !== undefined || this.#timer !== undefined) {
      if (this.#timer !== undefined) this.flush();
      await this.#inFlight;
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#inFlight !== undefined) return;
    const delay = this.#urgent ? 0 : this.#delayMs;
    this.#urgent = false;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#inFlight = this.#writeInBackground().finally(() => {
        this.#inFlight = undefined;
        if (this.#pending !== undefined) this.#schedule();
      });
    }, delay);
    this.#timer.unref();
  }

  async #writeInBackground(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    const dir = dirname(this.path);
    const temp = join(dir, `.${basename(this.path)}.${process.pid}.${(tempCounter += 1)}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      const handle = await open(temp, "w", 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(pending.value, null, 2)}\n`);
        if (this.#durable) await handle.sync();
      } finally {
        await handle.close();
      }
      // Synchronous from the version check to the rename: a flush() cannot slip in between.
      if (pending.version > this.#written) {
        renameSync(temp, this.path);
        this.#written = pending.version;
        if (this.#durable) await syncDirectoryAsync(dir);
      } else {
        unlinkSync(temp);
      }
    } catch (error) {
      try {
        unlinkSync(temp);
      } catch {
        // already renamed or never created
      }
      this.#onError(error);
    }
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

async function syncDirectoryAsync(dir: string): Promise<void> {
  try {
    const handle = await open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on directories; the rename itself is still atomic.
  }
}
