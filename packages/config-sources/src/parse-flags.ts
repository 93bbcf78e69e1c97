import { parseArgs } from "node:util";
import type { SourceTable } from "./source-table.js";

/** One flag as `util.parseArgs` declares it; `multiple` collects a string flag's values. */
export interface FlagSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
}

export type FlagValue = string | boolean | string[];

export interface ParsedFlags {
  /** Each given flag's value, by its long name. */
  values: Record<string, FlagValue>;
  positionals: string[];
  /** Unknown flags, flags missing a value or given one they take none of, stray arguments. */
  problems: string[];
}

/** The table's flags as parseArgs options: a switch takes no value, a repeated flag many. */
export function flagSpecs(table: SourceTable): Record<string, FlagSpec> {
  const specs: Record<string, FlagSpec> = {};
  for (const [flag, , kind] of Object.values(table)) {
    if (flag === "") continue;
    specs[flag] =
      kind === "switch"
        ? { type: "boolean" }
        : kind === "repeated"
          ? { type: "string", multiple: true }
          : { type: "string" };
  }
  return specs;
}

/**
 * Parses `argv` (flags, and positionals when `positionals` allows them) against `specs`. A string
 * flag takes the next word even when it starts with a dash (`--server-arg -c`): every problem is
 * reported, one line each, instead of parseArgs' first error.
 */
export function parseFlags(
  argv: readonly string[],
  specs: Readonly<Record<string, FlagSpec>>,
  options: { positionals?: boolean } = {}
): ParsedFlags {
  const { tokens } = parseArgs({
    args: [...argv],
    options: { ...specs },
    strict: false,
    allowPositionals: true,
    tokens: true
  });
  const values: Record<string, FlagValue> = {};
  const problems: string[] = [];
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (options.positionals === true) positionals.push(token.value);
      else problems.push(`unexpected argument ${JSON.stringify(token.value)}`);
      continue;
    }
    if (token.kind !== "option") continue;
    const spec = specs[token.name];
    if (spec === undefined) problems.push(`unknown flag ${token.rawName}`);
    else if (spec.type === "string" && token.value === undefined)
      problems.push(`flag ${token.rawName} needs a value`);
    else if (spec.type === "boolean" && token.value !== undefined)
      problems.push(`flag ${token.rawName} takes no value`);
    else if (spec.type === "boolean") values[token.name] = true;
    else {
      const earlier = values[token.name];
      values[token.name] =
        spec.multiple === true
          ? [...(Array.isArray(earlier) ? earlier : []), token.value as string]
          : (token.value as string);
    }
  }
  return { values, positionals, problems };
}
