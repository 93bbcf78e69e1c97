export { createStatusApp, type StatusAppDeps } from "./app.js";
export {
  resolveStatusApiConfig,
  normalizeStatusApiConfig,
  StatusApiConfigSchema,
  StatusApiConfigError,
  type StatusApiConfig,
  type StatusApiConfigInput
} from "./config.js";
export { StatusApiErrorCodes, statusApiError, type StatusApiErrorCode } from "./errors.js";
export { StatusApiRuntime, type StatusApiRuntimeOptions } from "./runtime.js";
export { runStatusApiCli, type StatusApiCliOptions } from "./cli.js";
export { StatusCollector, type StatusDocument, type NodeIdentity } from "./status-collector.js";
export { StatusStream } from "./status-stream.js";
export { createHttpClient, type HttpClient, type HttpOutcome } from "./sources/http-client.js";
export type { CodexdView, SessionView, ApprovalView, EventView } from "./sources/codexd-source.js";
export type { ConductorView, TasksView, SystemView, RoleView } from "./sources/conductor-source.js";
export type { SourceError, Part } from "./sources/source-error.js";
