import { createHash } from "node:crypto";
import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { defaultGitRunner, nulFields, type GitRunner } from "./git-runner.js";
import { PARSEABLE_CONFIG } from "./quiet-config.js";
import { parseStatusV2 } from "./status-v2.js";
import { listWorktrees } from "./worktree-list.js";

/** What a working tree holds beyond its commit. */
export interface WorktreeSnapshot {
  path: string;
  /** `ref: refs/heads/x` or a sha. */
  head: string;
  /** `git status --porcelain=v2 -z --untracked-files=all`, NULs shown as newlines. */
  status: string;
  /** `git ls-files -s`: every index entry with its blob and mode. */
  index: string;
  /** `git diff --cached --binary`: staged content. */
  staged: string;
  /** `git diff --binary`: unstaged content of tracked files. */
  unstaged: string;
  /** sha256 of each untracked (not ignored) file, by path. */
  untracked: Record<string, string>;
}

/** A repository's refs and every working tree's state, to compare before and after an operation. */
export interface RepositorySnapshot {
  /** `git for-each-ref`: every ref with its sha. */
  refs: string;
  worktrees: WorktreeSnapshot[];
}

/**
 * Reads without writing (`--no-optional-locks`: status would otherwise refresh the index).
 * Two snapshots are equal (`deepStrictEqual`, or `snapshotDifferences`) when refs, HEADs,
 * indexes and tracked and untracked files are the same.
 */
export async function snapshotRepository(
  repo: string,
  git: GitRunner = defaultGitRunner
): Promise<RepositorySnapshot> {
  const read = async (cwd: string, args: string[]) =>
    (await git({ cwd, args: [...PARSEABLE_CONFIG, "--no-optional-locks", ...args] })).stdout;
  const refs = (await read(repo, ["for-each-ref", "--format=%(objectname) %(refname)"])).toString("utf8");
  const worktrees: WorktreeSnapshot[] = [];
  for (const entry of await listWorktrees(repo, git)) {
    if (entry.bare || entry.missing) continue;
    const cwd = entry.path;
    const symbolic = await git({ cwd, args: ["symbolic-ref", "--quiet", "HEAD"], okExitCodes: [0, 1] });
    const head =
      symbolic.exitCode === 0 ? `ref: ${symbolic.stdout.toString("utf8").trim()}` : (entry.head ?? "unborn");
    const statusOut = await read(cwd, [
      "status",
      "--porcelain=v2",
      "-z",
      "--untracked-files=all",
      "--ignore-submodules=none"
    ]);
    const fields = nulFields(statusOut);
    const untracked: Record<string, string> = {};
    for (const item of parseStatusV2(fields)) {
      if (item.kind === "?") untracked[item.path] = fingerprint(join(cwd, item.path));
    }
    worktrees.push({
      path: cwd,
      head,
      status: fields.join("\n"),
      index: (await read(cwd, ["ls-files", "-s"])).toString("utf8"),
      staged: (await read(cwd, ["diff", "--cached", "--binary", "--no-ext-diff", "--no-textconv"])).toString(
        "utf8"
      ),
      unstaged: (await read(cwd, ["diff", "--binary", "--no-ext-diff", "--no-textconv"])).toString("utf8"),
      untracked
    });
  }
  return { refs, worktrees };
}

/** What differs between two snapshots (`refs`, `<path>: staged`, …); empty when they are the same. */
export function snapshotDifferences(before: RepositorySnapshot, after: RepositorySnapshot): string[] {
  const differences: string[] = [];
  if (before.refs !== after.refs) differences.push("refs");
  const paths = new Set([...before.worktrees, ...after.worktrees].map((tree) => tree.path));
  for (const path of paths) {
    const a = before.worktrees.find((tree) => tree.path === path);
    const b = after.worktrees.find((tree) => tree.path === path);
    if (a === undefined || b === undefined) {
      differences.push(`${path}: ${a === undefined ? "appeared" : "disappeared"}`);
      continue;
    }
    for (const key of ["head", "status", "index", "staged", "unstaged"] as const)
      if (a[key] !== b[key]) differences.push(`${path}: ${key}`);
    if (JSON.stringify(a.untracked) !== JSON.stringify(b.untracked)) differences.push(`${path}: untracked`);
  }
  return differences;
}

// A symlink by its target (it may dangle); a nested repository (listed as `dir/`) by its kind alone.
function fingerprint(path: string): string {
  const stat = lstatSync(path);
  const content = stat.isSymbolicLink()
    ? `link:${readlinkSync(path)}`
    : stat.isDirectory()
      ? "directory"
      : readFileSync(path);
  return createHash("sha256").update(content).digest("hex");
}
