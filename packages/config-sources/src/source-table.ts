/**
 * How a setting's text becomes a value. A `switch` is a flag without a value (its env var reads
 * as a boolean); a `repeated` flag may be given several times (its env var is split on spaces);
 * text that does not fit its kind passes through so the schema names the key.
 */
export type SourceKind = "string" | "number" | "boolean" | "list" | "switch" | "repeated";

/**
 * One setting's sources: its flag (without `--`) and its env var, "" for none (an env-only secret,
 * a flag-only option); its kind ("string" when absent); a line for `--help`.
 */
export type Source = readonly [flag: string, env: string, kind?: SourceKind, help?: string];

/** A service's table of sources: config key -> source. A dotted key (`paths.stateDir`) nests. */
export type SourceTable = Readonly<Record<string, Source>>;

/**
 * ` (--flag / ENV)`, ` (ENV)` for an env-only key, ` (--flag)` for a flag-only one, to follow a
 * key in an error; "" for a key not in the table. Every service names a setting this way, flag
 * first, so their messages read alike.
 */
export function describeSource(table: SourceTable, key: string): string {
  // A list entry (`allowedHosts.1`) came from its list's source.
  const source = table[key] ?? table[key.replace(/\.\d+$/, "")];
  if (source === undefined) return "";
  const names = [source[0] === "" ? "" : `--${source[0]}`, source[1]].filter((name) => name !== "");
  return names.length === 0 ? "" : ` (${names.join(" / ")})`;
}

/**
 * A text as its kind: a list is comma-separated, repeated words space-separated (blank parts
 * dropped); true/false accept 1/0, yes/no, on/off.
 */
export function fromText(kind: SourceKind, text: string): unknown {
  switch (kind) {
    case "string":
      return text;
    case "number":
      return /^\s*\d+\s*$/.test(text) ? Number(text) : text;
    case "boolean":
    case "switch": {
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
    case "repeated":
      return text.split(/\s+/).filter((part) => part !== "");
  }
}
