import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { TaskGitError } from "./errors.js";
import { defaultGitRunner, gitText, nulFields, type GitRunner } from "./git-runner.js";
import { PARSEABLE_CONFIG } from "./quiet-config.js";
import { parseStatusV2 } from "./status-v2.js";
import { listWorktrees } from "./worktree-list.js";

/**
 * Refuses (`target_worktree_dirty`) when a checkout has staged or unstaged changes to tracked
 * files or an unmerged path. `--no-optional-locks`: looking must not rewrite the person's index.
 */
export async function assertTrackedClean(worktree: string, git: GitRunner = defaultGitRunner): Promise<void> {
  const result = await git({
    cwd: worktree,
    args: [
      ...PARSEABLE_CONFIG,
      "--no-optional-locks",
      "status",
      "--porcelain=v2",
      "-z",
      "--untracked-files=no",
      "--ignore-submodules=none"
    ]
  });
  const changed = parseStatusV2(nulFields(result.stdout)).map((entry) => entry.path);
  if (changed.length > 0) {
    throw new TaskGitError(
      "target_worktree_dirty",
      `${worktree} has uncommitted changes (${preview(changed)})`,
      { worktree, paths: changed }
    );
  }
}

/**
 * Refuses when moving a clean checkout from `from` to `to` would overwrite or delete a file git
 * does not track there. Ignored files count: `read-tree -u` treats them as expendable, a person may not.
 */
export async function assertNothingInTheWay(
  worktree: string,
  from: string,
  to: string,
  git: GitRunner = defaultGitRunner
): Promise<void> {
  const result = await git({
    cwd: worktree,
    args: [
      ...PARSEABLE_CONFIG,
      "diff",
      "--no-ext-diff",
      "--no-renames",
      "--name-status",
      "-z",
      from,
      to,
      "--"
    ]
  });
  const fields = nulFields(result.stdout);
  const added = new Set<string>();
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === "A") added.add(fields[i + 1] ?? "");
  const probes = new Set<string>();
  for (const path of added) {
    const parts = path.split("/");
    for (let n = 1; n <= parts.length; n += 1) {
      const candidate = parts.slice(0, n).join("/");
      const kind = entryKind(join(worktree, candidate));
      // A directory standing where a file will go is in the way if anything untracked is inside;
      // a directory on the way to a new file is not.
      if (kind === "file" || (kind === "directory" && candidate === path)) probes.add(candidate);
    }
  }
  const inTheWay: string[] = [];
  const list = [...probes];
  for (let i = 0; i < list.length; i += 500) {
    const chunk = list.slice(i, i + 500).map((path) => `:(literal)${path}`);
    // Without --exclude-standard, --others lists ignored files too.
    const others = await git({
      cwd: worktree,
      args: [...PARSEABLE_CONFIG, "ls-files", "--others", "-z", "--", ...chunk]
    });
    inTheWay.push(...nulFields(others.stdout));
  }
  if (inTheWay.length > 0) {
    throw new TaskGitError(
      "target_worktree_dirty",
      `${worktree} has untracked files the land would overwrite (${preview(inTheWay)})`,
      { worktree, paths: inTheWay }
    );
  }
}

/** git's own check of the move, without doing it: catches what the checks above do not model (submodules, sparse entries). */
export async function assertMoveWouldSucceed(
  worktree: string,
  from: string,
  to: string,
  git: GitRunner = defaultGitRunner
): Promise<void> {
  try {
    await git({ cwd: worktree, args: ["read-tree", "-m", "-u", "-n", from, to] });
  } catch (error) {
    throw new TaskGitError(
      "target_worktree_dirty",
      `${worktree} cannot be moved to the landed commit: ${(error as Error).message}`,
      { worktree, paths: [] },
      { cause: error }
    );
  }
}

/**
 * Refuses when some worktree is rebasing `branch` (HEAD detached, the branch named in the
 * rebase state): git would write its own result over ours when that rebase finishes.
 */
export async function assertNotBeingRebased(
  repo: string,
  branch: string,
  git: GitRunner = defaultGitRunner
): Promise<void> {
  for (const entry of await listWorktrees(repo, git)) {
    if (entry.branch !== null || entry.bare || entry.missing) continue;
    const gitDir = await gitText(git, entry.path, ["rev-parse", "--absolute-git-dir"]);
    for (const state of ["rebase-merge", "rebase-apply"]) {
      const headName = readOptional(join(gitDir, state, "head-name"));
      if (headName === `refs/heads/${branch}`) {
        throw new TaskGitError(
          "target_worktree_dirty",
          `${entry.path} is in the middle of rebasing ${branch}`,
          { worktree: entry.path, paths: [] }
        );
      }
    }
  }
}

function entryKind(path: string): "file" | "directory" | null {
  try {
    return lstatSync(path).isDirectory() ? "directory" : "file";
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === "ENOENT" ||
      (error as NodeJS.ErrnoException).code === "ENOTDIR"
    )
      return null;
    throw error;
  }
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

function preview(paths: string[]): string {
  return paths.length <= 5
    ? paths.join(", ")
    : `${paths.slice(0, 5).join(", ")} and ${paths.length - 5} more`;
}
