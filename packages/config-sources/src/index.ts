export { checkedBy, httpBase } from "./checks.js";
export { InvalidConfigError, normalizeOrFail } from "./config-error.js";
export { helpText } from "./help-text.js";
export { flagSpecs, parseFlags, type FlagSpec, type FlagValue, type ParsedFlags } from "./parse-flags.js";
export { readSources, type ReadSourcesOptions, type SourceReading } from "./read-sources.js";
export { describeIssues } from "./schema-issues.js";
export {
  describeSource,
  fromText,
  type Source,
  type SourceKind,
  type SourceTable
} from "./source-table.js";
