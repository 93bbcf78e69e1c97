import { StoreUnavailableError, type ControlStore } from "@baa/control-store";
import type { ClockTimers } from "@baa/clock";
import { DeadlineError, withDeadline } from "../deadline.js";

// Failures that say the database is away (not that a query is wrong): node's socket errors,
// PostgreSQL's connection-exception class (08…) and its shutdown/cannot-connect codes,
// SQLite's busy/locked after its own busy timeout.
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "57P01",
  "57P02",
  "57P03",
  "53300",
  "SQLITE_BUSY",
  "SQLITE_LOCKED"
]);

/** True when `error` means the store could not be reached or did not answer in time. */
export function isStoreUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError || error instanceof DeadlineError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && (UNAVAILABLE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|connection timeout|Client has encountered a connection error|database is closed|The database connection is not open/i.test(
    message
  );
}

/**
 * The store as the conductor uses it: every call gives up after `deadlineMs` (so no request
 * and no loop hangs on a store that stopped answering), and every failure that means "the
 * store is away" becomes a StoreUnavailableError, which the API answers with 503
 * `store_unavailable`. Other failures pass through unchanged.
 */
export function guardStore(
  store: ControlStore,
  options: { timers: ClockTimers; deadlineMs: number }
): ControlStore {
  const wrap =
    <A extends unknown[], R>(name: string, deadlineMs: number, call: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      try {
        return await withDeadline(options.timers, call(...args), deadlineMs, `store ${name}`);
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        if (isStoreUnavailable(error))
          throw new StoreUnavailableError(`the ${store.kind} store is not reachable (${name})`, {
            cause: error
          });
        throw error;
      }
    };
  const cache = new Map<PropertyKey, unknown>();
  // A Proxy so methods the interface gains later are guarded too.
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || typeof key !== "string") return value;
      let wrapped = cache.get(key);
      if (wrapped === undefined) {
        const method = value as (...args: unknown[]) => Promise<unknown>;
        // Migrations may legitimately take long; everything else is one short statement or two.
        const deadlineMs = key === "migrate" ? options.deadlineMs * 20 : options.deadlineMs;
        wrapped = wrap(key, deadlineMs, (...args: unknown[]) => method.apply(target, args));
        cache.set(key, wrapped);
      }
      return wrapped;
    }
  });
}
