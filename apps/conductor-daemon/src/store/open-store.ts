import { openControlStore, SQLITE_FILE_NAME, type ControlStore } from "@baa/control-store";
import { join } from "node:path";
import type { Logger } from "pino";
import type { ConductorConfig } from "../config.js";

/** Where the store is, fit for logs and status: never the URL's user or password. */
export function describeStore(config: ConductorConfig): string {
  if (config.databaseUrl === undefined) return join(config.paths.stateDir, SQLITE_FILE_NAME);
  try {
    const url = new URL(config.databaseUrl);
    return `postgres://${url.host}${url.pathname} schema ${config.databaseSchema}`;
  } catch {
    return `postgres (schema ${config.databaseSchema})`;
  }
}

/**
 * Opens the configured store, not migrated yet (the runtime migrates and logs the versions):
 * PostgreSQL with `BAA_DATABASE_URL`, else SQLite in the state dir.
 */
export async function openConductorStore(config: ConductorConfig, logger: Logger): Promise<ControlStore> {
  const log = logger.child({ component: "store" });
  return openControlStore({
    migrate: false,
    ...(config.databaseUrl === undefined
      ? { stateDir: config.paths.stateDir, busyTimeoutMs: config.storeQueryTimeoutMs }
      : {
          databaseUrl: config.databaseUrl,
          schema: config.databaseSchema,
          connectTimeoutMs: config.storeConnectTimeoutMs,
          statementTimeoutMs: config.storeQueryTimeoutMs,
          // The API, the claim loop and the runs share it: room for a burst of requests. The
          // lease renews over connections of its own (the store's leasePoolSize), never behind them.
          poolSize: 10,
          onPoolError: (error: Error) =>
            log.warn({ err: error }, "a pooled database connection failed; the next call reconnects")
        })
  });
}
