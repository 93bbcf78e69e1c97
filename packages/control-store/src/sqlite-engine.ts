import { randomUUID } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver
} from "kysely";
import type { StoreSchema } from "./schema.js";
import { openSqliteConnection } from "./sqlite-driver.js";
import type { StoreContext } from "./store-context.js";

/** Every transaction this store opens writes, so it takes the write lock up front. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

export interface SqliteEngineOptions {
  path: string;
  /** The store's clock (SQLite has none shared with anyone; it is one node). Default Date.now. */
  now?: () => number;
  /** How long a writer waits for another process's write lock before failing. Default 5000. */
  busyTimeoutMs?: number;
  newId?: (prefix: "task" | "run") => string;
}

export function openSqliteEngine(options: SqliteEngineOptions): {
  ctx: StoreContext;
  close: () => Promise<void>;
} {
  mkdirSync(dirname(options.path), { recursive: true });
  // better-sqlite3 12 or node:sqlite, by runtime (src/sqlite-driver.ts).
  const database = openSqliteConnection(options.path, { busyTimeoutMs: options.busyTimeoutMs ?? 5000 });
  database.exec("pragma journal_mode = WAL");
  // FULL: a claim or a finished run, once acknowledged, survives a power loss too; NORMAL could
  // lose the last commits and run a finished task again. Writes are few, so the fsync is cheap.
  database.exec("pragma synchronous = FULL");
  database.exec("pragma foreign_keys = ON");
  const db = new Kysely<StoreSchema>({ dialect: new ImmediateSqliteDialect({ database }) });
  const clock = options.now ?? Date.now;
  const write: StoreContext["write"] = (fn) =>
    db.transaction().execute((trx) => fn(trx, new Date(clock()).toISOString()));
  const ctx: StoreContext = {
    kind: "sqlite",
    db,
    write,
    // One connection, one writer at a time: nothing to keep apart.
    writeLease: write,
    now: async () => new Date(clock()).toISOString(),
    clock: async () => new Date(clock()).toISOString(),
    newId: options.newId ?? ((prefix) => `${prefix}-${randomUUID()}`)
  };
  return { ctx, close: () => db.destroy() };
}
