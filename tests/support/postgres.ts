import { randomBytes } from "node:crypto";
import pg from "pg";

/** The machine's PostgreSQL for tests (trust auth). Tests never stop the server itself. */
export const TEST_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/test";

export interface TestSchema {
  name: string;
  /** Runs one query as a separate client (search_path set to the schema). */
  query<T extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<T[]>;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** A fresh schema name for one test; the conductor creates its tables in it on start. */
export function testSchema(prefix = "e2e"): TestSchema {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const run = async <T extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<T[]> => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: `-c search_path=${name}` });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    name,
    query: run,
    drop: async () => {
      await run(`drop schema if exists ${name} cascade`);
    }
  };
}
