import { createRequire } from "node:module";
import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/**
 * The one place that picks the SQLite driver for this runtime (the reasoning is in README.md,
 * "Which SQLite driver"):
 * - `node:sqlite` (Node's built-in `DatabaseSync`) where it loads without a flag and has
 *   `StatementSync.columns()` (Node 22.16+, 23.11+, every 24): no native module to build, and
 *   nothing that breaks when Node's own headers change.
 * - better-sqlite3 12 everywhere else (Node 20, Node 22 before 22.16).
 * Both give kysely's SqliteDialect the same `prepare`/`close` shape, bind `?` parameters the
 * same way, return plain row objects, and fail with an error whose `code` is SQLite's name
 * for it (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, …).
 */
export type SqliteDriverName = "node:sqlite" | "better-sqlite3";

export interface SqliteConnection extends SqliteDatabase {
  /** Runs one or more statements without results (pragmas, `begin`, `rollback`). */
  exec(sql: string): void;
}

// What this file uses of node:sqlite (the project's @types/node is 20's, which has no such module).
type SqliteValue = null | number | bigint | string | Uint8Array;
interface StatementSync {
  columns(): unknown[];
  all(...parameters: SqliteValue[]): unknown[];
  run(...parameters: SqliteValue[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...parameters: SqliteValue[]): Iterator<unknown>;
}
interface NodeDatabaseSync {
  prepare(sql: string): StatementSync;
  exec(sql: string): void;
  close(): void;
}
interface NodeSqlite {
  DatabaseSync: new (path: string) => NodeDatabaseSync;
  StatementSync: { prototype: Partial<StatementSync> };
}

let chosen: { name: SqliteDriverName; nodeSqlite: NodeSqlite | null } | undefined;

function choose(): { name: SqliteDriverName; nodeSqlite: NodeSqlite | null } {
  if (chosen !== undefined) return chosen;
  // Undefined where Node has no such module, or only behind --experimental-sqlite (22.5–22.12).
  const nodeSqlite = process.getBuiltinModule("node:sqlite") as NodeSqlite | undefined;
  const hasColumns = typeof nodeSqlite?.StatementSync?.prototype?.columns === "function";
  chosen =
    nodeSqlite !== undefined && hasColumns
      ? { name: "node:sqlite", nodeSqlite }
      : { name: "better-sqlite3", nodeSqlite: null };
  return chosen;
}

/** The driver `openSqliteConnection` uses on this Node. */
export function sqliteDriverName(): SqliteDriverName {
  return choose().name;
}

/**
 * Opens (creating it if missing) the SQLite file at `path` with the chosen driver and sets
 * `busy_timeout` (how long a writer waits for another connection's write lock).
 */
export function openSqliteConnection(path: string, options: { busyTimeoutMs: number }): SqliteConnection {
  const { nodeSqlite } = choose();
  const connection = nodeSqlite !== null ? openNodeSqlite(nodeSqlite, path) : openBetterSqlite3(path);
  connection.exec(`pragma busy_timeout = ${Math.max(0, Math.trunc(options.busyTimeoutMs))}`);
  return connection;
}

function openBetterSqlite3(path: string): SqliteConnection {
  // Loaded only here, so a Node that uses node:sqlite never loads (or needs) the native module.
  const Database = createRequire(import.meta.url)("better-sqlite3") as typeof BetterSqlite3;
  return new Database(path);
}

function openNodeSqlite(nodeSqlite: NodeSqlite, path: string): SqliteConnection {
  const database = withSqliteCode(() => new nodeSqlite.DatabaseSync(path));
  return new NodeSqliteConnection(database);
}

class NodeSqliteConnection implements SqliteConnection {
  readonly #database: NodeDatabaseSync;
  constructor(database: NodeDatabaseSync) {
    this.#database = database;
  }
  prepare(sql: string): SqliteStatement {
    return new NodeSqliteStatement(withSqliteCode(() => this.#database.prepare(sql)));
  }
  exec(sql: string): void {
    withSqliteCode(() => this.#database.exec(sql));
  }
  close(): void {
    withSqliteCode(() => this.#database.close());
  }
}

class NodeSqliteStatement implements SqliteStatement {
  readonly #statement: StatementSync;
  readonly reader: boolean;
  constructor(statement: StatementSync) {
    this.#statement = statement;
    // better-sqlite3's `reader`: the statement returns rows (a select, a pragma, `… returning`).
    this.reader = statement.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return withSqliteCode(() => this.#statement.all(...bindable(parameters))).map(plainRow);
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    const { changes, lastInsertRowid } = withSqliteCode(() => this.#statement.run(...bindable(parameters)));
    return { changes, lastInsertRowid };
  }
  *iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    const rows = withSqliteCode(() => this.#statement.iterate(...bindable(parameters)));
    while (true) {
      const next = withSqliteCode(() => rows.next());
      if (next.done === true) return;
      yield plainRow(next.value);
    }
  }
}

function bindable(parameters: ReadonlyArray<unknown>): SqliteValue[] {
  // node:sqlite checks each value itself (null, number, bigint, string, Uint8Array) and throws
  // a TypeError naming the parameter otherwise, as better-sqlite3 does.
  return parameters as SqliteValue[];
}

/** node:sqlite rows have a null prototype; better-sqlite3's (and PostgreSQL's) are plain objects. */
function plainRow(row: unknown): unknown {
  return row !== null && typeof row === "object" ? { ...(row as Record<string, unknown>) } : row;
}

/** SQLite's primary result codes by number (sqlite3.h), for errors node:sqlite reports by number. */
const PRIMARY_CODES: Readonly<Record<number, string>> = {
  1: "SQLITE_ERROR",
  2: "SQLITE_INTERNAL",
  3: "SQLITE_PERM",
  4: "SQLITE_ABORT",
  5: "SQLITE_BUSY",
  6: "SQLITE_LOCKED",
  7: "SQLITE_NOMEM",
  8: "SQLITE_READONLY",
  9: "SQLITE_INTERRUPT",
  10: "SQLITE_IOERR",
  11: "SQLITE_CORRUPT",
  12: "SQLITE_NOTFOUND",
  13: "SQLITE_FULL",
  14: "SQLITE_CANTOPEN",
  15: "SQLITE_PROTOCOL",
  16: "SQLITE_EMPTY",
  17: "SQLITE_SCHEMA",
  18: "SQLITE_TOOBIG",
  19: "SQLITE_CONSTRAINT",
  20: "SQLITE_MISMATCH",
  21: "SQLITE_MISUSE",
  22: "SQLITE_NOLFS",
  23: "SQLITE_AUTH",
  24: "SQLITE_FORMAT",
  25: "SQLITE_RANGE",
  26: "SQLITE_NOTADB"
};

/** The extended codes this store can meet, named as better-sqlite3 names them. */
const EXTENDED_CODES: Readonly<Record<number, string>> = {
  261: "SQLITE_BUSY_RECOVERY",
  517: "SQLITE_BUSY_SNAPSHOT",
  773: "SQLITE_BUSY_TIMEOUT",
  262: "SQLITE_LOCKED_SHAREDCACHE",
  275: "SQLITE_CONSTRAINT_CHECK",
  787: "SQLITE_CONSTRAINT_FOREIGNKEY",
  1299: "SQLITE_CONSTRAINT_NOTNULL",
  1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
  2067: "SQLITE_CONSTRAINT_UNIQUE"
};

/** An error from SQLite through node:sqlite, with `code` as better-sqlite3 would give it. */
export class SqliteDriverError extends Error {
  readonly code: string;
  readonly errcode: number;
  constructor(message: string, code: string, errcode: number, options: { cause: unknown }) {
    super(message, options);
    this.name = "SqliteError";
    this.code = code;
    this.errcode = errcode;
  }
}

function withSqliteCode<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    const errcode = (error as { errcode?: unknown } | null)?.errcode;
    if ((error as { code?: unknown } | null)?.code !== "ERR_SQLITE_ERROR" || typeof errcode !== "number")
      throw error;
    const code = EXTENDED_CODES[errcode] ?? PRIMARY_CODES[errcode & 0xff] ?? `SQLITE_${errcode}`;
    throw new SqliteDriverError((error as Error).message, code, errcode, { cause: error });
  }
}
