import { randomUUID } from "node:crypto";
import {
  Kysely,
  PostgresAdapter,
  PostgresDialect,
  sql,
  type DatabaseIntrospector,
  type DialectAdapter
} from "kysely";
import pg from "pg";
import { SchemaScopedIntrospector } from "./postgres-introspector.js";
import type { StoreSchema } from "./schema.js";
import type { StoreContext, Trx } from "./store-context.js";
import { isRetryableConflict } from "./store-errors.js";

export interface PostgresEngineOptions {
  url: string;
  /** Every table lives in this schema (created at migrate). Default `baa`. */
  schema?: string;
  /** A down server fails a call within this (then `StoreUnavailableError`). Default 3000. */
  connectTimeoutMs?: number;
  /** Longest any statement (or lock wait) may take. Default 5000. */
  statementTimeoutMs?: number;
  poolSize?: number;
  /**
   * Connections kept apart for acquiring, renewing and releasing the lease, so a renewal never
   * waits for a slot behind API requests and run writes. Default 2 (the keeper's attempts are
   * sequential; the second serves one whose abandoned call still holds the first); 0 puts the
   * lease on the shared pool.
   */
  leasePoolSize?: number;
  /** How the connections name themselves in `pg_stat_activity`. Default `baa-conductor`. */
  applicationName?: string;
  newId?: (prefix: "task" | "run") => string;
  /** An idle pooled connection failed (the server went away); the next call reconnects. */
  onPoolError?: (error: Error) => void;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** How long a node waits for another node's migration of the same schema. */
const MIGRATION_LOCK_WAIT_MS = 60_000;

/**
 * kysely's migration lock is one advisory lock for the whole database, so migrations of
 * unrelated schemas queue behind each other (and past our statement timeout). Ours is keyed
 * by the schema: nodes sharing a schema still migrate one at a time.
 */
class SchemaScopedPostgresAdapter extends PostgresAdapter {
  constructor(private readonly schema: string) {
    super();
  }
  override async acquireMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`
      with waits as (
        select set_config('lock_timeout', ${String(MIGRATION_LOCK_WAIT_MS)}, true) as l,
               set_config('statement_timeout', ${String(MIGRATION_LOCK_WAIT_MS)}, true) as s
      )
      select pg_advisory_lock(hashtextextended(${`baa-control-store:${this.schema}`}, 0)) from waits`.execute(
      db
    );
  }
  override async releaseMigrationLock(db: Kysely<unknown>): Promise<void> {
    await sql`select pg_advisory_unlock(hashtextextended(${`baa-control-store:${this.schema}`}, 0))`.execute(
      db
    );
  }
}

/** kysely's PostgreSQL dialect with the Migrator's introspection and lock scoped to our schema. */
class SchemaScopedPostgresDialect extends PostgresDialect {
  constructor(
    config: ConstructorParameters<typeof PostgresDialect>[0],
    private readonly schema: string
  ) {
    super(config);
  }
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.schema);
  }
  override createAdapter(): DialectAdapter {
    return new SchemaScopedPostgresAdapter(this.schema);
  }
}
const MAX_CONFLICT_RETRIES = 5;

export function openPostgresEngine(options: PostgresEngineOptions): {
  ctx: StoreContext;
  schema: string;
  close: () => Promise<void>;
} {
  const schema = options.schema ?? "baa";
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`schema must match ${SCHEMA_NAME}: ${schema}`);
  const statementTimeout = options.statementTimeoutMs ?? 5000;
  const applicationName = options.applicationName ?? "baa-conductor";
  const newPool = (max: number, name: string) =>
    new pg.Pool({
      connectionString: options.url,
      max,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      idleTimeoutMillis: 10_000,
      statement_timeout: statementTimeout,
      lock_timeout: statementTimeout,
      query_timeout: statementTimeout + 1000,
      // Our transactions never wait on the client between statements; one that does is a stopped
      // or hung process holding row locks (say the lease row, FOR SHARE in a claim, blocking a
      // takeover). Twice the statement timeout: a live process whose event loop a loaded machine
      // stalls for a while between two statements must not lose its connection for it.
      idle_in_transaction_session_timeout: statementTimeout * 2,
      application_name: name,
      options: `-c search_path=${schema}`
    });
  const pool = newPool(options.poolSize ?? 5, applicationName);
  const leasePoolSize = options.leasePoolSize ?? 2;
  const leasePool = leasePoolSize > 0 ? newPool(leasePoolSize, `${applicationName}-lease`) : null;
  // A connection lost while idle (pool) or checked out (client) emits `error`; without a
  // listener that crashes the process. The call in flight rejects on its own.
  const onError = options.onPoolError ?? ((error: Error) => process.emitWarning(error));
  for (const each of leasePool === null ? [pool] : [pool, leasePool]) {
    each.on("error", onError);
    each.on("connect", (client) => client.on("error", onError));
  }
  const db = new Kysely<StoreSchema>({ dialect: new SchemaScopedPostgresDialect({ pool }, schema) });
  const leaseDb =
    leasePool === null
      ? db
      : new Kysely<StoreSchema>({ dialect: new SchemaScopedPostgresDialect({ pool: leasePool }, schema) });
  const dbNow = async (trx: Trx | Kysely<StoreSchema>) => {
    const { rows } = await sql<{ now: Date }>`select now() as now`.execute(trx);
    return (rows[0] as { now: Date }).now.toISOString();
  };
  const writeOn = async <T>(
    on: Kysely<StoreSchema>,
    fn: (trx: Trx, now: string) => Promise<T>
  ): Promise<T> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await on.transaction().execute(async (trx) => fn(trx, await dbNow(trx)));
      } catch (error) {
        if (attempt >= MAX_CONFLICT_RETRIES || !isRetryableConflict(error)) throw error;
      }
    }
  };
  const ctx: StoreContext = {
    kind: "postgres",
    db,
    write: (fn) => writeOn(db, fn),
    writeLease: (fn) => writeOn(leaseDb, fn),
    now: () => dbNow(db),
    async clock(trx) {
      const { rows } = await sql<{ now: Date }>`select clock_timestamp() as now`.execute(trx);
      return (rows[0] as { now: Date }).now.toISOString();
    },
    newId: options.newId ?? ((prefix) => `${prefix}-${randomUUID()}`)
  };
  const close = async () => {
    await Promise.all(leaseDb === db ? [db.destroy()] : [db.destroy(), leaseDb.destroy()]);
  };
  return { ctx, schema, close };
}
