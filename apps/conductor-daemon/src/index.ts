export {
  ConductorRuntime,
  type ConductorRuntimeOptions,
  type ConductorSnapshot,
  type RuntimeState
} from "./runtime.js";
export {
  resolveConductorConfig,
  normalizeConductorConfig,
  ConductorConfigSchema,
  ConductorConfigError,
  type ConductorConfig,
  type ConductorConfigInput
} from "./config.js";
export { createConductorApp, type ConductorAppDeps } from "./app.js";
export { runConductorCli, type ConductorCliOptions } from "./cli.js";
export { ConductorErrorCodes, conductorError, type ConductorErrorCode } from "./errors.js";
export { createConductorLogger, REDACTED_PATHS } from "./logger.js";
export { CODEX_ROUTES, type CodexRoute } from "./routes/codex-proxy.js";
export { ensureSharedToken, sharedTokenPath, type SharedToken, type TokenSource } from "./shared-token.js";
export { createAccessPolicy, OPEN_PATHS, type AccessPolicy } from "./auth.js";
export { waitForShutdown, type SignalSource } from "@baa/lifecycle";
