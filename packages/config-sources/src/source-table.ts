import { parseArgs } from "node:util";

/**
 * A service's table of sources: config key -> [flag, env var]; "" means env only. A dotted key
 * (`paths.stateDir`) sets a field of a nested object.
 */
export type SourceTable = Readonly<Record<string, readonly [flag: string, env: string]>>;

/** How a flag's or env var's text becomes a value; text that does not fit passes through so the schema names the key. */
export type SourceKind = "string" | "number" | "boolean" | "list";

export interface ReadSourcesOptions {
  /** Flags only (no node, script or command). */
  argv?: readonly string[];
  env?: Readonly<Record<string, string | undefined>>;
  /** Each key's kind; "string" when absent. */
  kinds?: Readonly<Record<string, SourceKind>>;
}

export interface SourceReading {
  /** The schema's input: each key set by its flag (which wins) or its env var; an empty env value is unset. */
  input: Record<string, unknown>;
  /** Stray arguments, unknown flags and flags without a value, one line each. */
  problems: string[];
}

/** Reads every key of the table from `argv`, then `env`; only this interprets the environment. */
export function readSources(table: SourceTable, options: ReadSourcesOptions): SourceReading {
  const env = options.env ?? {};
  const flagNames = Object.values(table)
    .map(([flag]) => flag)
    .filter((flag) => flag !== "");
  const parsed = parseArgs({
    args: [...(options.argv ?? [])],
    options: Object.fromEntries(flagNames.map((flag) => [flag, { type: "string" as const }])),
    strict: false,
    allowPositionals: true
  });
  const problems: string[] = [];
  for (const positional of parsed.positionals) problems.push(`unexpected argument ${JSON.stringify(positional)}`);
  for (const [name, value] of Object.entries(parsed.values)) {
    if (!flagNames.includes(name)) problems.push(`unknown flag --${name}`);
    else if (typeof value !== "string") problems.push(`flag --${name} needs a value`);
  }

  const input: Record<string, unknown> = {};
  for (const [key, [flag, envName]] of Object.entries(table)) {
    const flagValue = flag === "" ? undefined : parsed.values[flag];
    const envValue = env[envName];
    const text = typeof flagValue === "string" ? flagValue : envValue === "" ? undefined : envValue;
    if (text === undefined) continue;
    setPath(input, key.split("."), fromText(options.kinds?.[key] ?? "string", text));
  }
  return { input, problems };
}

/** ` (--flag / ENV)`, or ` (ENV)` for an env-only key, to follow a key in an error; "" for a key not in the table. */
export function describeSource(table: SourceTable, key: string): string {
  // A list entry (`allowedHosts.1`) came from its list's source.
  const source = table[key] ?? table[key.replace(/\.\d+$/, "")];
  if (source === undefined) return "";
  const [flag, envName] = source;
  return flag === "" ? ` (${envName})` : ` (--${flag} / ${envName})`;
}

/** A text as its kind: a list is comma-separated (blank parts dropped); true/false accept 1/0, yes/no, on/off. */
export function fromText(kind: SourceKind, text: string): unknown {
  switch (kind) {
    case "string":
      return text;
    case "number":
      return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
    case "boolean": {
      const lower = text.trim().toLowerCase();
      if (["1", "true", "yes", "on"].includes(lower)) return true;
      if (["0", "false", "no", "off"].includes(lower)) return false;
      return text;
    }
    case "list":
      return text
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part !== "");
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const inner = (target[head] ??= {}) as Record<string, unknown>;
  setPath(inner, rest, value);
}
