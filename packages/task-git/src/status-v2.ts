/** One entry of `git status --porcelain=v2 -z`. */
export interface StatusEntry {
  /** "1" changed, "2" renamed or copied, "u" unmerged, "?" untracked, "!" ignored. */
  kind: "1" | "2" | "u" | "?" | "!";
  path: string;
}

// Space-separated fields before the path, per entry kind (see git-status(1), "Porcelain Format Version 2").
const FIELDS_BEFORE_PATH: Record<string, number> = { "1": 8, "2": 9, u: 10, "?": 1, "!": 1 };

/** Parses `-z` output; a rename's original path (the field after it) is skipped. */
export function parseStatusV2(fields: string[]): StatusEntry[] {
  const entries: StatusEntry[] = [];
  for (let i = 0; i < fields.length; i += 1) {
    const field = fields[i] ?? "";
    const kind = field.charAt(0);
    const before = FIELDS_BEFORE_PATH[kind];
    if (before === undefined) continue; // "#" headers
    let at = 0;
    for (let n = 0; n < before; n += 1) at = field.indexOf(" ", at) + 1;
    entries.push({ kind: kind as StatusEntry["kind"], path: field.slice(at) });
    if (kind === "2") i += 1;
  }
  return entries;
}
