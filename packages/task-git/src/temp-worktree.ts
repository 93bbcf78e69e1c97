import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { GitRunner } from "./git-runner.js";
import { QUIET_CONFIG } from "./quiet-config.js";

/**
 * Runs `work` in a new worktree of `repo` detached at `commit`, under `parentDir`, and removes
 * it afterwards whatever happened. No branch is checked out there, so nothing a person owns moves.
 */
export async function withTempWorktree<T>(
  git: GitRunner,
  repo: string,
  parentDir: string,
  commit: string,
  work: (worktree: string) => Promise<T>
): Promise<T> {
  mkdirSync(parentDir, { recursive: true });
  const path = mkdtempSync(join(parentDir, ".land-"));
  try {
    await git({ cwd: repo, args: [...QUIET_CONFIG, "worktree", "add", "--detach", "--quiet", path, commit] });
    return await work(path);
  } finally {
    await removeTempWorktree(git, repo, path);
  }
}

async function removeTempWorktree(git: GitRunner, repo: string, path: string): Promise<void> {
  try {
    // --force: a refused merge or rebase leaves conflicts and its state behind; both go with it.
    await git({ cwd: repo, args: [...QUIET_CONFIG, "worktree", "remove", "--force", path] });
  } catch (error) {
    // `worktree add` failed half way, or removal did: delete the directory and let git forget it.
    rmSync(path, { recursive: true, force: true });
    await git({ cwd: repo, args: [...QUIET_CONFIG, "worktree", "prune"] }).catch((pruneError: unknown) => {
      throw new AggregateError([error, pruneError], `could not remove the temporary worktree ${path}`);
    });
  }
  rmSync(path, { recursive: true, force: true });
}
