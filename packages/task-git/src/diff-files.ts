/** One file of a diff, as the diff route reports it. */
export interface DiffFile {
  path: string;
  /** The path before a rename; otherwise the same as `path`. */
  oldPath: string;
  status: "added" | "modified" | "deleted" | "renamed";
  /** Lines; 0 for a binary file. */
  additions: number;
  deletions: number;
  binary: boolean;
}

const STATUS: Record<string, DiffFile["status"]> = {
  A: "added",
  M: "modified",
  D: "deleted",
  R: "renamed",
  T: "modified",
  C: "added"
};

/**
 * Zips `git diff -z --name-status` and `git diff -z --numstat` of the same diff (git emits
 * both in one order). Renames take two path fields in each: old, then new.
 */
export function parseDiffFiles(nameStatus: string[], numstat: string[]): DiffFile[] {
  const files: DiffFile[] = [];
  let s = 0;
  let n = 0;
  while (s < nameStatus.length) {
    const letter = (nameStatus[s] ?? "").charAt(0);
    const twoPaths = letter === "R" || letter === "C";
    const oldPath = nameStatus[s + 1] ?? "";
    const path = twoPaths ? (nameStatus[s + 2] ?? "") : oldPath;
    s += twoPaths ? 3 : 2;
    const [added = "0", deleted = "0"] = (numstat[n] ?? "").split("\t");
    n += twoPaths ? 3 : 1;
    const binary = added === "-" && deleted === "-";
    files.push({
      path,
      oldPath,
      status: STATUS[letter] ?? "modified",
      additions: binary ? 0 : Number(added),
      deletions: binary ? 0 : Number(deleted),
      binary
    });
  }
  return files;
}
