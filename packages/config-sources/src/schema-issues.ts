import type { z } from "zod";
import { describeSource, type SourceTable } from "./source-table.js";

/** One line per schema issue, each key named with its flag and env var: `key (--flag / ENV): message`. */
export function describeIssues(table: SourceTable, issues: readonly z.core.$ZodIssue[]): string[] {
  return issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const where = issue.path.length > 0 ? `${issue.path.join(".")}.` : "";
      return `unknown key(s) ${issue.keys.map((key) => where + key).join(", ")}`;
    }
    const key = issue.path.join(".");
    return `${key}${describeSource(table, key)}: ${issue.message}`;
  });
}
