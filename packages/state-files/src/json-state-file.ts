import { mkdirSync } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { jsonText, writeJsonAtomic } from "./atomic-json.js";

let tempCounter = 0;

export interface JsonStateFileOptions {
  /** How long saves are coalesced; an urgent save skips the wait. Default 20 ms. */
  delayMs?: number;
  /**
   * fsync before and after the rename, so a write survives a power loss. A killed process
   * never tears the file either way: the rename is atomic. Default true.
   */
  durable?: boolean;
  /** Indented JSON for files people read; compact is several times cheaper. Default true. */
  pretty?: boolean;
  onError?: (error: unknown) => void;
}

/**
 * One JSON state file written entirely off the event loop: a burst of `save()` calls becomes
 * one atomic write (temp file, rename) of the newest value, one write at a time and in order.
 * `settled()` resolves once what was saved so far is on disk, for callers that promise it.
 */
export class JsonStateFile<T> {
  readonly path: string;
  readonly #delayMs: number;
  readonly #durable: boolean;
  readonly #pretty: boolean;
  readonly #onError: (error: unknown) => void;
  #pending: { value: T; version: number } | undefined;
  #version = 0;
  #written = 0;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(path: string, options: JsonStateFileOptions = {}) {
    this.path = path;
    this.#delayMs = options.delayMs ?? 20;
    this.#durable = options.durable ?? true;
    this.#pretty = options.pretty ?? true;
    this.#onError = options.onError ?? (() => {});
  }

  /** Queues the newest value; `urgent` starts its write as soon as the one before it is done. */
  save(value: T, options: { urgent?: boolean } = {}): void {
    this.#version += 1;
    this.#pending = { value, version: this.#version };
    if (options.urgent === true) this.#startNow();
    else this.#schedule();
  }

  /** Resolves when every value saved before the call is on disk (or failed, see onError). */
  async settled(): Promise<void> {
    const target = this.#version;
    while (this.#written < target && (this.#pending !== undefined || this.#inFlight !== undefined)) {
      this.#startNow();
      await this.#inFlight;
    }
  }

  /** Writes the newest value synchronously; for shutdown, once nothing is in flight. */
  flushSync(): void {
    this.#clearTimer();
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined || pending.version <= this.#written) return;
    try {
      writeJsonAtomic(this.path, pending.value, { durable: this.#durable, pretty: this.#pretty });
      this.#written = pending.version;
    } catch (error) {
      this.#onError(error);
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#inFlight !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#startNow();
    }, this.#delayMs);
    this.#timer.unref();
  }

  #startNow(): void {
    this.#clearTimer();
    if (this.#inFlight !== undefined || this.#pending === undefined) return;
    this.#inFlight = this.#write().finally(() => {
      this.#inFlight = undefined;
      // Whatever was saved meanwhile goes next: urgent callers are waiting in settled().
      if (this.#pending !== undefined) this.#schedule();
    });
  }

  async #write(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    const dir = dirname(this.path);
    const temp = join(dir, `.${basename(this.path)}.${process.pid}.${(tempCounter += 1)}.tmp`);
    try {
      mkdirSync(dir, { recursive: true });
      const handle = await open(temp, "w", 0o644);
      try {
        await handle.writeFile(jsonText(pending.value, this.#pretty));
        if (this.#durable) await handle.sync();
      } finally {
        await handle.close();
      }
      // One write at a time, so renames land in version order.
      await rename(temp, this.path);
      this.#written = pending.version;
      if (this.#durable) await syncDirectoryAsync(dir);
    } catch (error) {
      await unlink(temp).catch(() => {});
      this.#onError(error);
      // Count it as done so settled() does not wait forever on a disk that refuses writes.
      this.#written = Math.max(this.#written, pending.version);
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

