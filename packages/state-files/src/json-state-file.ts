import { basename, dirname, join } from "node:path";
import { backgroundTimers, type Timers } from "@baa/clock";
import { jsonText } from "./atomic-json.js";
import { nodeStateFs, type StateFs } from "./state-fs.js";
import { StateWriteError, errnoCode } from "./state-write-error.js";
import type { WriteHealth } from "./write-health.js";
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from "./retry-policy.js";

let tempCounter = 0;

export interface JsonStateFileOptions {
  /** Where failed writes are reported (and logged); required: no failure goes unseen. */
  health: WriteHealth;
  /** How long saves are coalesced; an urgent save skips the wait. Default 20 ms. */
  delayMs?: number;
  /**
   * fsync before and after the rename, so a write survives a power loss. A killed process
   * never tears the file either way: the rename is atomic. Default true.
   */
  durable?: boolean;
  /** Indented JSON for files people read; compact is several times cheaper. Default true. */
  pretty?: boolean;
  /** The file's byte budget; a write above it is reported to `health` (and still made). */
  maxBytes?: number;
  fs?: StateFs;
  /** Default `backgroundTimers`: a pending state write never keeps a process alive by itself. */
  timers?: Timers;
  now?: () => number;
  /** Backoff between retries of a failed write. */
  retry?: RetryPolicy;
}

/**
 * One JSON state file written entirely off the event loop: a burst of `save()` calls becomes
 * one atomic write (temp file, rename) of the newest value, one write at a time and in order.
 * A failed write is reported to `health` and retried with backoff until it succeeds; the newest
 * value is what gets written then. `written()` is for callers that promise durability: it
 * rejects when the write failed. `settled()` is for readers: it never waits on a failing disk.
 */
export class JsonStateFile<T> {
  readonly path: string;
  readonly #delayMs: number;
  readonly #durable: boolean;
  readonly #pretty: boolean;
  readonly #maxBytes: number | undefined;
  readonly #health: WriteHealth;
  readonly #fs: StateFs;
  readonly #timers: Timers;
  readonly #now: () => number;
  readonly #retry: RetryPolicy;
  #pending: { value: T; version: number } | undefined;
  #version = 0;
  #written = 0;
  /** Highest version whose write failed and that no later success has covered. */
  #failedVersion = 0;
  #lastError: unknown;
  #failures = 0;
  #bytes = 0;
  #timer: unknown;
  #retryTimer: unknown;
  #inFlight: Promise<void> | undefined;

  constructor(path: string, options: JsonStateFileOptions) {
    this.path = path;
    this.#delayMs = options.delayMs ?? 20;
    this.#durable = options.durable ?? true;
    this.#pretty = options.pretty ?? true;
    this.#maxBytes = options.maxBytes;
    this.#health = options.health;
    this.#fs = options.fs ?? nodeStateFs;
    this.#timers = options.timers ?? backgroundTimers;
    this.#now = options.now ?? Date.now;
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  /** True while the newest write failed and a retry is pending. */
  get failing(): boolean {
    return this.#failures > 0;
  }

  /** Size of the last successful write. */
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Queues the newest value; `urgent` starts its write as soon as the one before it is done
   * (while writes fail, the retry backoff decides).
   */
  save(value: T, options: { urgent?: boolean } = {}): void {
    this.#version += 1;
    this.#pending = { value, version: this.#version };
    if (options.urgent === true && this.#retryTimer === undefined) this.#startNow();
    else this.#schedule();
  }

  /**
   * Resolves once every value saved before the call is on disk; rejects with a StateWriteError
   * when its write failed (it is still retried in the background). A failing file is tried
   * again at once, not after the backoff.
   */
  async written(): Promise<void> {
    const target = this.#version;
    for (;;) {
      if (this.#written >= target) return;
      if (this.#inFlight === undefined) this.#startNow();
      if (this.#inFlight === undefined) {
        // Nothing left to write: either it is on disk, or its last try (flushSync) failed.
        if (this.#failedVersion >= target) throw new StateWriteError([this.path], this.#lastError);
        return;
      }
      await this.#inFlight;
      if (this.#written >= target) return;
      if (this.#failedVersion >= target) throw new StateWriteError([this.path], this.#lastError);
    }
  }

  /**
   * Resolves once what was saved before the call is on disk, or as soon as writes are failing
   * (readers are not held up by a full disk; `health` reports it).
   */
  async settled(): Promise<void> {
    const target = this.#version;
    while (
      this.#written < target &&
      !this.failing &&
      (this.#pending !== undefined || this.#inFlight !== undefined)
    ) {
      this.#startNow();
      await this.#inFlight;
    }
  }

  /** Writes the newest value synchronously; for shutdown, once nothing is in flight. */
  flushSync(): void {
    this.#clearTimers();
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined || pending.version <= this.#written) return;
    const temp = this.#tempPath();
    try {
      const text = jsonText(pending.value, this.#pretty);
      this.#fs.mkdirSync(dirname(this.path));
      this.#fs.writeFileSync(temp, text, { durable: this.#durable });
      this.#fs.renameSync(temp, this.path);
      if (this.#durable) this.#fs.syncDirectorySync(dirname(this.path));
      this.#succeeded(pending.version, Buffer.byteLength(text));
    } catch (error) {
      this.#removeTempSync(temp);
      this.#pending ??= pending;
      this.#failures += 1;
      this.#failedVersion = Math.max(this.#failedVersion, pending.version);
      this.#lastError = error;
      // Shutdown: no retry follows, so the report says none is scheduled.
      this.#health.failed(this.path, error, { retry: () => this.flushSync(), nextRetryAt: null });
    }
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#inFlight !== undefined || this.#retryTimer !== undefined) return;
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      this.#startNow();
    }, this.#delayMs);
  }

  #startNow(): void {
    this.#clearTimers();
    if (this.#inFlight !== undefined || this.#pending === undefined) return;
    this.#inFlight = this.#write().finally(() => {
      this.#inFlight = undefined;
      // Whatever was saved meanwhile goes next: urgent callers are waiting in written().
      if (this.#pending !== undefined) this.#schedule();
    });
  }

  async #write(): Promise<void> {
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending === undefined) return;
    const dir = dirname(this.path);
    const temp = this.#tempPath();
    let bytes: number;
    try {
      const text = jsonText(pending.value, this.#pretty);
      bytes = Buffer.byteLength(text);
      this.#fs.mkdirSync(dir);
      await this.#fs.writeFile(temp, text, { durable: this.#durable });
      // One write at a time, so renames land in version order.
      await this.#fs.rename(temp, this.path);
    } catch (error) {
      await this.#removeTemp(temp);
      this.#failed(pending, error);
      return;
    }
    this.#succeeded(pending.version, bytes);
    if (this.#durable) {
      try {
        await this.#fs.syncDirectory(dir);
      } catch (error) {
        // The rename happened: the file is there, only its power-loss safety is in doubt.
        this.#health.logger.warn({ file: this.path, err: error }, "state file directory fsync failed");
      }
    }
  }

  #succeeded(version: number, bytes: number): void {
    this.#written = Math.max(this.#written, version);
    this.#bytes = bytes;
    this.#failures = 0;
    this.#failedVersion = 0;
    this.#lastError = undefined;
    this.#health.succeeded(this.path);
    this.#health.measured(this.path, bytes, this.#maxBytes);
  }

  #failed(pending: { value: T; version: number }, error: unknown): void {
    this.#failures += 1;
    this.#failedVersion = Math.max(this.#failedVersion, pending.version);
    this.#lastError = error;
    // Keep the value for the retry unless a newer one was saved meanwhile.
    this.#pending ??= pending;
    const delay = retryDelayMs(this.#failures, this.#retry);
    this.#clearTimers();
    this.#retryTimer = this.#timers.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#startNow();
    }, delay);
    this.#health.failed(this.path, error, { retry: () => this.written(), nextRetryAt: this.#now() + delay });
  }

  #tempPath(): string {
    tempCounter += 1;
    return join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${tempCounter}.tmp`);
  }

  async #removeTemp(temp: string): Promise<void> {
    try {
      await this.#fs.unlink(temp);
    } catch (error) {
      this.#noteTempLeft(temp, error);
    }
  }

  #removeTempSync(temp: string): void {
    try {
      this.#fs.unlinkSync(temp);
    } catch (error) {
      this.#noteTempLeft(temp, error);
    }
  }

  // A temp file that was never created is the usual case; one left behind is removed at the
  // next start (removeStaleTempFiles), but say so.
  #noteTempLeft(temp: string, error: unknown): void {
    if (errnoCode(error) === "ENOENT") return;
    this.#health.logger.warn({ file: temp, err: error }, "could not remove a state temp file");
  }

  #clearTimers(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    if (this.#retryTimer !== undefined) this.#timers.clearTimeout(this.#retryTimer);
    this.#timer = undefined;
    this.#retryTimer = undefined;
  }
}
