import { TaskGitError } from "./errors.js";
import { GitCommandError, type GitRunner } from "./git-runner.js";
import { QUIET_CONFIG } from "./quiet-config.js";
import { branchCommit } from "./refs.js";

/**
 * Moves `refs/heads/<branch>` from `expected` to `next` in one step; `target_moved` when
 * someone else moved it since `expected` was read (git compares under the ref's lock). The
 * reference-transaction hook does not run: it could veto or observe a half-done land.
 */
export async function moveRef(
  git: GitRunner,
  repo: string,
  branch: string,
  next: string,
  expected: string,
  reason: string
): Promise<void> {
  try {
    await git({
      cwd: repo,
      args: [...QUIET_CONFIG, "update-ref", "-m", reason, `refs/heads/${branch}`, next, expected]
    });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    const actual = await branchCommit(repo, branch, git);
    if (actual === expected) throw error;
    throw new TaskGitError(
      "target_moved",
      `${branch} moved from ${expected} to ${actual ?? "nowhere"} during the land; nothing was changed`,
      { expected, actual },
      { cause: error }
    );
  }
}
