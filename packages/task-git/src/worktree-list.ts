import { existsSync } from "node:fs";
import { defaultGitRunner, nulFields, type GitRunner } from "./git-runner.js";

/** One entry of `git worktree list --porcelain -z`: the main checkout first, then linked worktrees. */
export interface WorktreeEntry {
  path: string;
  /** null for a bare repository or an unborn HEAD. */
  head: string | null;
  /** The checked-out branch name, or null when detached or bare. */
  branch: string | null;
  bare: boolean;
  /** Its directory is gone (git would prune it). */
  missing: boolean;
}

/** Every working tree of the repository containing `repo`. */
export async function listWorktrees(
  repo: string,
  git: GitRunner = defaultGitRunner
): Promise<WorktreeEntry[]> {
  const result = await git({ cwd: repo, args: ["worktree", "list", "--porcelain", "-z"] });
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | null = null;
  for (const field of nulFields(result.stdout)) {
    if (field === "") {
      current = null;
      continue;
    }
    const space = field.indexOf(" ");
    const key = space < 0 ? field : field.slice(0, space);
    const value = space < 0 ? "" : field.slice(space + 1);
    if (key === "worktree") {
      current = { path: value, head: null, branch: null, bare: false, missing: !existsSync(value) };
      entries.push(current);
    } else if (current !== null) {
      if (key === "HEAD") current.head = /^0+$/.test(value) ? null : value;
      else if (key === "branch")
        current.branch = value.startsWith("refs/heads/") ? value.slice("refs/heads/".length) : null;
      else if (key === "bare") current.bare = true;
    }
  }
  return entries;
}

/** The working trees (present on disk) with `branch` checked out. */
export async function checkoutsOf(
  repo: string,
  branch: string,
  git: GitRunner = defaultGitRunner
): Promise<string[]> {
  return (await listWorktrees(repo, git))
    .filter((entry) => entry.branch === branch && !entry.bare && !entry.missing)
    .map((entry) => entry.path);
}
