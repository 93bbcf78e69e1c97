import { flagSpecs, parseFlags } from "./parse-flags.js";
import { fromText, type SourceTable } from "./source-table.js";

export interface ReadSourcesOptions {
  /** Values a program passes (keyed like the table): they beat flags and env, taken as they are. */
  input?: Readonly<Record<string, unknown>>;
  /** Flags only (no node, script or command). */
  argv?: readonly string[];
  /** Flags a caller already parsed (parseFlags' values, by flag name), instead of `argv`. */
  flags?: Readonly<Record<string, unknown>>;
  env?: Readonly<Record<string, string | undefined>>;
}

export interface SourceReading {
  /** The schema's input: each key from the first layer that sets it (input, flag, env var). */
  input: Record<string, unknown>;
  /** Stray arguments, unknown flags and flags without a value, one line each. */
  problems: string[];
}

/**
 * Reads every key of the table from the explicit input, then the flags, then `env`; an empty or
 * blank env value is unset. Only this interprets the environment.
 */
export function readSources(table: SourceTable, options: ReadSourcesOptions): SourceReading {
  const env = options.env ?? {};
  const explicit = options.input ?? {};
  const parsed = options.flags === undefined ? parseFlags(options.argv ?? [], flagSpecs(table)) : undefined;
  const flags = options.flags ?? parsed?.values ?? {};
  const input: Record<string, unknown> = {};
  for (const [key, [flag, envName, kind = "string"]] of Object.entries(table)) {
    const flagValue = flag === "" ? undefined : flags[flag];
    const envText = envName === "" ? undefined : env[envName];
    let value = explicit[key];
    if (value === undefined && flagValue !== undefined)
      value = typeof flagValue === "string" && kind !== "repeated" ? fromText(kind, flagValue) : flagValue;
    if (value === undefined && envText !== undefined && envText.trim() !== "")
      value = fromText(kind, envText);
    if (value !== undefined) setPath(input, key.split("."), value);
  }
  return { input, problems: parsed?.problems ?? [] };
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  target[head] ??= {};
  const inner = target[head] as Record<string, unknown>;
  setPath(inner, rest, value);
}
