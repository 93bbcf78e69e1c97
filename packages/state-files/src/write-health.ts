import { basename } from "node:path";
import { describeError, errnoCode, StateWriteError } from "./state-write-error.js";

/** The logger calls the state files make (pino's Logger fits). */
export interface StateLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
}

/** One file whose writes are failing right now. */
export interface StateWriteFailure {
  file: string;
  code: string | null;
  error: string;
  /** When this run of failures began. */
  since: string;
  lastFailureAt: string;
  /** Failed attempts in a row. */
  failures: number;
  nextRetryAt: string | null;
}

/** A file written larger than its byte budget (it was written anyway: losing state is worse). */
export interface StateOverBudget {
  file: string;
  bytes: number;
  maxBytes: number;
}

export interface StateHealthReport {
  status: "ok" | "degraded";
  /** One line per failing file, for people. */
  reasons: string[];
  failing: StateWriteFailure[];
  overBudget: StateOverBudget[];
}

interface Entry extends StateWriteFailure {
  retry: () => Promise<void> | void;
}

/**
 * What every state writer reports to: each failed write is logged with its file and error,
 * the service is `degraded` while any file cannot be written, and recovery is logged too.
 * `probe()` lets a request that is about to promise durability retry the failing files first.
 */
export class WriteHealth {
  readonly #logger: StateLogger;
  readonly #now: () => number;
  readonly #failing = new Map<string, Entry>();
  readonly #overBudget = new Map<string, StateOverBudget>();

  constructor(options: { logger: StateLogger; now?: () => number }) {
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  get logger(): StateLogger {
    return this.#logger;
  }

  get degraded(): boolean {
    return this.#failing.size > 0;
  }

  /**
   * A write of `file` failed; `retry` writes it again now (it resolves once written, rejects if
   * it failed again). `nextRetryAt` is when the writer retries by itself.
   */
  failed(
    file: string,
    error: unknown,
    options: { retry: () => Promise<void> | void; nextRetryAt?: number | null }
  ): void {
    const at = new Date(this.#now()).toISOString();
    const previous = this.#failing.get(file);
    const entry: Entry = {
      file,
      code: errnoCode(error),
      error: describeError(error),
      since: previous?.since ?? at,
      lastFailureAt: at,
      failures: (previous?.failures ?? 0) + 1,
      nextRetryAt: options.nextRetryAt == null ? null : new Date(options.nextRetryAt).toISOString(),
      retry: options.retry
    };
    this.#failing.set(file, entry);
    this.#logger.error(
      { file, err: error, code: entry.code, failures: entry.failures, nextRetryAt: entry.nextRetryAt },
      "state write failed"
    );
  }

  /** A write of `file` succeeded; ends its run of failures, if any. */
  succeeded(file: string): void {
    const entry = this.#failing.get(file);
    if (entry === undefined) return;
    this.#failing.delete(file);
    this.#logger.info({ file, failures: entry.failures, since: entry.since }, "state writes recovered");
  }

  /** Records whether `file`, as just written (`bytes`), is within `maxBytes`. */
  measured(file: string, bytes: number, maxBytes: number | undefined): void {
    if (maxBytes === undefined || bytes <= maxBytes) {
      this.#overBudget.delete(file);
      return;
    }
    if (!this.#overBudget.has(file))
      this.#logger.warn({ file, bytes, maxBytes }, "state file exceeds its byte budget");
    this.#overBudget.set(file, { file, bytes, maxBytes });
  }

  report(): StateHealthReport {
    const failing = [...this.#failing.values()].map(({ retry: _retry, ...failure }) => failure);
    return {
      status: failing.length > 0 ? "degraded" : "ok",
      reasons: failing.map(
        (f) => `${basename(f.file)} cannot be written: ${f.error} (${f.failures} attempts since ${f.since})`
      ),
      failing,
      overBudget: [...this.#overBudget.values()]
    };
  }

  /**
   * Retries every failing file now and waits for the outcome, which `report()` then shows
   * (nothing is thrown: for readers that want the status current, not a verdict).
   */
  async retryAll(): Promise<void> {
    await Promise.allSettled([...this.#failing.values()].map(async (entry) => entry.retry()));
  }

  /**
   * Retries every failing file now (only those in `files`, when given: the ones a request
   * depends on). Resolves when all of them were written (or none was failing); otherwise
   * throws a StateWriteError naming the files still failing.
   */
  async probe(files?: readonly string[]): Promise<void> {
    if (this.#failing.size === 0) return;
    const entries = [...this.#failing.values()].filter(
      (entry) => files === undefined || files.includes(entry.file)
    );
    if (entries.length === 0) return;
    const results = await Promise.allSettled(entries.map(async (entry) => entry.retry()));
    const stillFailing = entries.filter(
      (entry, i) => results[i]?.status === "rejected" || this.#failing.has(entry.file)
    );
    if (stillFailing.length === 0) return;
    const first = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    throw new StateWriteError(
      stillFailing.map((e) => e.file),
      first?.reason instanceof StateWriteError
        ? first.reason.cause
        : (first?.reason ?? new Error(stillFailing[0]?.error))
    );
  }
}
