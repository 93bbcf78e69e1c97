import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import {
  openControlStore,
  SQLITE_FILE_NAME,
  type ControlStore,
  type OpenControlStoreOptions
} from "../../src/index.js";
import { openSqliteConnection } from "../../src/sqlite-driver.js";

export type EngineKind = "sqlite" | "postgres";

/** PostgreSQL for tests (trust auth); each harness gets its own schema, dropped on close. */
export const TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

/** SQLite busy timeout when several processes write one file at once (tests only; one node writes in production). */
export const MULTI_PROCESS_BUSY_MS = 60_000;

/** Where SQLite's injected clock starts. */
export const SQLITE_EPOCH = Date.parse("2030-01-01T00:00:00.000Z");

export interface Harness {
  kind: EngineKind;
  store: ControlStore;
  /** Options that open this same database again (another process, a restart). */
  openOptions: OpenControlStoreOptions;
  /**
   * Moves time forward for every lease and deadline: SQLite advances the injected clock;
   * PostgreSQL (whose clock we cannot move) shifts every stored deadline back instead.
   */
  advance(ms: number): Promise<void>;
  /** Raw SQL on a separate connection, for checks and for writing what the API never would. */
  raw<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Closes the store and opens it again on the same data (a restart). */
  reopen(): Promise<ControlStore>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  migrate?: boolean;
  /** SQLite: use the process clock (when other processes share the file), not the injected one. */
  realClock?: boolean;
  /** SQLite: how long a writer waits for another process's lock (several writing processes). */
  busyTimeoutMs?: number;
}

export async function openHarness(kind: EngineKind, options: HarnessOptions = {}): Promise<Harness> {
  return kind === "sqlite" ? openSqliteHarness(options) : openPostgresHarness(options);
}

async function openSqliteHarness(options: HarnessOptions): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "control-store-"));
  let clock = SQLITE_EPOCH;
  const openOptions: OpenControlStoreOptions = {
    stateDir: dir,
    migrate: options.migrate ?? true,
    ...(options.realClock ? {} : { now: () => clock }),
    ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs })
  };
  let store = await openControlStore(openOptions);
  const raw = openSqliteConnection(join(dir, SQLITE_FILE_NAME), { busyTimeoutMs: 5000 });
  const harness: Harness = {
    kind: "sqlite",
    get store() {
      return store;
    },
    openOptions,
    async advance(ms) {
      if (options.realClock) throw new Error("advance needs the injected clock");
      clock += ms;
    },
    async raw<T>(text: string, params: unknown[] = []) {
      const stmt = raw.prepare(text.replace(/\$\d+/g, "?"));
      if (stmt.reader) return stmt.all(params) as T[];
      stmt.run(params);
      return [];
    },
    async reopen() {
      await store.close();
      store = await openControlStore({ ...openOptions, migrate: true });
      return store;
    },
    async close() {
      await store.close();
      raw.close();
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return harness;
}

async function openPostgresHarness(options: HarnessOptions): Promise<Harness> {
  const schema = `cs_test_${randomBytes(6).toString("hex")}`;
  const openOptions: OpenControlStoreOptions = {
    databaseUrl: TEST_DATABASE_URL,
    schema,
    migrate: options.migrate ?? true
  };
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${schema}` });
  await client.connect();
  let store: ControlStore;
  try {
    store = await openControlStore(openOptions);
  } catch (error) {
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
    throw error;
  }
  const harness: Harness = {
    kind: "postgres",
    get store() {
      return store;
    },
    openOptions,
    async advance(ms) {
      const shift = `interval '${Math.round(ms)} milliseconds'`;
      await client.query(`update leases set expires_at = expires_at - ${shift} where expires_at is not null`);
      await client.query(`update tasks set not_before = not_before - ${shift} where not_before is not null`);
      const quota = await client.query(
        "select 1 from information_schema.columns where table_schema = $1 and table_name = 'system_state' and column_name = 'quota_paused_until'",
        [schema]
      );
      if (quota.rowCount) {
        await client.query(
          `update system_state set quota_paused_until = quota_paused_until - ${shift} where quota_paused_until is not null`
        );
      }
      const nodes = await client.query(
        "select 1 from information_schema.tables where table_schema = $1 and table_name = 'nodes'",
        [schema]
      );
      if (nodes.rowCount) {
        await client.query(`update nodes set expires_at = expires_at - ${shift}`);
        await client.query(
          `update runs set lease_expires_at = lease_expires_at - ${shift} where lease_expires_at is not null`
        );
      }
    },
    async raw<T>(text: string, params: unknown[] = []) {
      return (await client.query(text, params)).rows as T[];
    },
    async reopen() {
      await store.close();
      store = await openControlStore({ ...openOptions, migrate: true });
      return store;
    },
    async close() {
      await store.close();
      await client.query(`drop schema if exists ${schema} cascade`);
      await client.end();
    }
  };
  return harness;
}

/** Runs `fn` with a fresh harness and always cleans it up. */
export async function withHarness<T>(
  kind: EngineKind,
  fn: (h: Harness) => Promise<T>,
  options: HarnessOptions = {}
): Promise<T> {
  const harness = await openHarness(kind, options);
  try {
    return await fn(harness);
  } finally {
    await harness.close();
  }
}
