/** The conductor's `GET /v1/tasks/:id/diff` document. */
export interface DiffView {
  base: { branch: string | null; commit: string };
  head: { branch: string | null; commit: string };
  files: DiffFile[];
  patch: string;
  truncated: boolean;
}

export interface DiffFile {
  path: string;
  oldPath: string | null;
  status: "added" | "modified" | "deleted" | "renamed";
  additions: number;
  deletions: number;
  binary: boolean;
}

const BAR_WIDTH = 40;

/**
 * Files with their +/- counts the way `git diff --stat --compact-summary` shows them: name
 * (new/gone/renamed), changed lines, a bar scaled to the largest file, then the totals.
 */
export function diffStat(files: readonly DiffFile[]): string {
  if (files.length === 0) return "no changes";
  const names = files.map(statName);
  const counts = files.map((f) => (f.binary ? "Bin" : String(f.additions + f.deletions)));
  const nameWidth = Math.max(...names.map((n) => n.length));
  const countWidth = Math.max(...counts.map((c) => c.length));
  const largest = Math.max(...files.map((f) => (f.binary ? 0 : f.additions + f.deletions)));
  const scale = largest > BAR_WIDTH ? BAR_WIDTH / largest : 1;
  const lines = files.map((file, index) => {
    const bar = file.binary ? "" : barOf(file, scale);
    return ` ${(names[index] as string).padEnd(nameWidth)} | ${(counts[index] as string).padStart(countWidth)}${bar === "" ? "" : ` ${bar}`}`;
  });
  const added = files.reduce((sum, f) => sum + f.additions, 0);
  const deleted = files.reduce((sum, f) => sum + f.deletions, 0);
  const totals = [`${files.length} ${files.length === 1 ? "file" : "files"} changed`];
  if (added > 0 || deleted === 0) totals.push(`${added} ${added === 1 ? "insertion" : "insertions"}(+)`);
  if (deleted > 0) totals.push(`${deleted} ${deleted === 1 ? "deletion" : "deletions"}(-)`);
  return [...lines, ` ${totals.join(", ")}`].join("\n");
}

function statName(file: DiffFile): string {
  if (file.status === "renamed") return `${file.oldPath ?? "?"} => ${file.path}`;
  if (file.status === "added") return `${file.path} (new)`;
  if (file.status === "deleted") return `${file.path} (gone)`;
  return file.path;
}

// Rounded like git: a file with any change keeps at least one mark of each kind it has.
function barOf(file: DiffFile, scale: number): string {
  let plus = Math.round(file.additions * scale);
  let minus = Math.round(file.deletions * scale);
  if (file.additions > 0 && plus === 0) plus = 1;
  if (file.deletions > 0 && minus === 0) minus = 1;
  return `${"+".repeat(plus)}${"-".repeat(minus)}`;
}

/** `baa/task-1 (3f2a…) against main (9c1d…)`: what the diff compares. */
export function diffHeading(diff: DiffView): string {
  const side = (s: { branch: string | null; commit: string }) =>
    `${s.branch ?? "(detached)"} ${s.commit.slice(0, 10)}`;
  return `${side(diff.head)} against ${side(diff.base)}`;
}
