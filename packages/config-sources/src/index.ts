export { checkedBy, httpBase } from "./checks.js";
export { InvalidConfigError, normalizeOrFail } from "./config-error.js";
export { describeIssues } from "./schema-issues.js";
export { describeSource, fromText, readSources, type ReadSourcesOptions, type SourceKind, type SourceReading, type SourceTable } from "./source-table.js";
