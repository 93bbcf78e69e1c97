import type { Kysely, Transaction } from "kysely";
import type { StoreKind } from "./store-kind.js";
import type { StoreSchema } from "./schema.js";

export type Trx = Transaction<StoreSchema>;

/** What every query module gets: the one query layer, and the few things that differ by engine. */
export interface StoreContext {
  readonly kind: StoreKind;
  readonly db: Kysely<StoreSchema>;
  /**
   * One write transaction (SQLite: `BEGIN IMMEDIATE`, so writers queue instead of failing on
   * upgrade) handed the database's time at its start as an ISO string.
   */
  write<T>(fn: (trx: Trx, now: string) => Promise<T>): Promise<T>;
  /**
   * The same, for acquiring, renewing and releasing the lease: on PostgreSQL over connections of
   * its own, so a renewal never queues for a pool slot behind API requests and run writes.
   */
  writeLease<T>(fn: (trx: Trx, now: string) => Promise<T>): Promise<T>;
  /** The database's clock now (SQLite: the injected process clock). */
  now(): Promise<string>;
  /**
   * A fresh reading of that clock inside a transaction. PostgreSQL's `now()` is the transaction's
   * start, which can precede rows it reads later (READ COMMITTED sees commits made since); a run
   * started after reading its task's last write must not look older than that write.
   */
  clock(trx: Trx): Promise<string>;
  newId(prefix: "task" | "run"): string;
}

/** Row locks exist only on PostgreSQL; SQLite's single writer transaction already excludes others. */
export const rowLocks = (kind: StoreKind) => kind === "postgres";

export function addMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}

/** Caller-supplied times are normalized so that SQLite's text comparison orders them correctly. */
export function normalizeTime(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TypeError(`${field} is not a valid time: ${value}`);
  return new Date(ms).toISOString();
}
