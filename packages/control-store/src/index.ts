export * from "./records.js";
export * from "./control-store.js";
export * from "./schedule-records.js";
export * from "./notification-records.js";
export { NOTIFIED_STATES } from "./migration-0007-notifications.js";
export { openControlStore, SQLITE_FILE_NAME, type OpenControlStoreOptions } from "./open-control-store.js";
export { LATEST_VERSION } from "./migrations.js";
export { DEFAULT_MAX_ATTEMPTS } from "./task-writes.js";
export { sqliteDriverName, type SqliteDriverName } from "./sqlite-driver.js";
