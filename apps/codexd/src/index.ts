export { CodexdLocalService, type CodexdDeps } from "./service.js";
export {
  resolveCodexdConfig,
  parseCodexdFlags,
  ConfigError,
  CODEXD_VERSION,
  type CodexdConfig,
  type CodexdConfigInput
} from "./config.js";
export { runCodexdCli, readCodexdStateFiles, type CodexdCliOptions } from "./cli.js";
export { CodexdCore } from "./core/codexd-core.js";
export { createCodexdApp, type CodexdAppDeps } from "./http/app.js";
export type { CodexdApi } from "./http/codexd-api.js";
export { defaultSpawner, type Spawner, type SpawnOptions } from "./child/spawner.js";
export {
  stdioAppServerClientFactory,
  type AppServerClientFactory,
  type AppServerClientContext
} from "./child/app-server-factory.js";
export { CodexdErrorCodes, codexdError } from "./errors.js";
export type { CodexdStatus } from "./state/status.js";
export type { CodexdEvent, EventFilter } from "@baa/event-log";
export type { CodexdSession } from "./sessions/session.js";
