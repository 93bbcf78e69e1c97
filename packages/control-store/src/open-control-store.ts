import { join } from "node:path";
import type { ControlStore } from "./control-store.js";
import { KyselyControlStore } from "./kysely-control-store.js";
import { openPostgresEngine, type PostgresEngineOptions } from "./postgres-engine.js";
import { openSqliteEngine, type SqliteEngineOptions } from "./sqlite-engine.js";
import { toStoreError } from "./store-errors.js";

export const SQLITE_FILE_NAME = "control-store.sqlite";

export interface OpenControlStoreOptions
  extends Omit<SqliteEngineOptions, "path">,
    Omit<PostgresEngineOptions, "url"> {
  /** `postgres://…` (or `postgresql://…`): PostgreSQL. Unset: SQLite in `stateDir`. */
  databaseUrl?: string | null;
  /** Where the SQLite file lives (`control-store.sqlite`); required without `databaseUrl`. */
  stateDir?: string;
  /** Overrides the SQLite file path. */
  sqlitePath?: string;
  /** Run `migrate()` before returning (default true). */
  migrate?: boolean;
}

/**
 * Opens the control store: PostgreSQL when `databaseUrl` is given, else SQLite in `stateDir`,
 * migrated to the latest version unless `migrate: false`. A store that cannot be reached
 * rejects with `StoreUnavailableError`.
 */
export async function openControlStore(options: OpenControlStoreOptions): Promise<ControlStore> {
  const url = options.databaseUrl ? options.databaseUrl : null;
  let store: ControlStore;
  if (url !== null) {
    if (!/^postgres(ql)?:\/\//.test(url))
      throw new TypeError("databaseUrl must start with postgres:// or postgresql://");
    let engine: ReturnType<typeof openPostgresEngine>;
    try {
      engine = openPostgresEngine({ ...options, url });
    } catch (error) {
      // URL parse errors carry the input, password and all; never pass them on.
      if (error instanceof TypeError && "input" in error)
        throw new TypeError("databaseUrl is not a valid URL");
      throw toStoreError(error, "open");
    }
    store = new KyselyControlStore(engine.ctx, engine.close, engine.schema);
  } else {
    const path =
      options.sqlitePath ?? (options.stateDir ? join(options.stateDir, SQLITE_FILE_NAME) : undefined);
    if (!path) throw new TypeError("openControlStore needs stateDir (SQLite) or databaseUrl (PostgreSQL)");
    let engine: ReturnType<typeof openSqliteEngine>;
    try {
      engine = openSqliteEngine({ ...options, path });
    } catch (error) {
      throw toStoreError(error, "open");
    }
    store = new KyselyControlStore(engine.ctx, engine.close, null);
  }
  if (options.migrate !== false) {
    try {
      await store.migrate();
    } catch (error) {
      // The migration error is the one to report; a failed close on the way out is only noted.
      await store
        .close()
        .catch((closeError: unknown) =>
          process.emitWarning(`control store close failed: ${String(closeError)}`)
        );
      throw error;
    }
  }
  return store;
}
