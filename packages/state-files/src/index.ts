export {
  writeJsonAtomic,
  readJsonFile,
  removeStaleTempFiles,
  syncDirectory,
  jsonText,
  StateFileError,
  type JsonWriteOptions
} from "./atomic-json.js";
export { JsonStateFile, type JsonStateFileOptions } from "./json-state-file.js";
export { JsonLinesFile } from "./json-lines-file.js";
export { nodeStateFs, type StateFs, type AppendTarget } from "./state-fs.js";
export {
  WriteHealth,
  type StateLogger,
  type StateWriteFailure,
  type StateOverBudget,
  type StateHealthReport
} from "./write-health.js";
export { StateWriteError, errnoCode, describeError } from "./state-write-error.js";
export { retryDelayMs, DEFAULT_RETRY_POLICY, type RetryPolicy } from "./retry-policy.js";
export { keepWithinBytes, mayNearBudget } from "./byte-budget.js";
