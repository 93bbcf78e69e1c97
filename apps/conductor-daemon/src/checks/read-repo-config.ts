import type { GitRunner } from "../workspaces/git-runner.js";
import { parseRepoConfig, REPO_CONFIG_PATH, type RepoConfigFile } from "./repo-config.js";

/**
 * The repository's `.baa/config.json` as committed at `ref` (the task's base commit, or a land
 * target's tip) — never the copy in the task's worktree, which the agent may have edited: what
 * the checks are is the person's to say, not the code under check. Null when there is none.
 */
export async function readRepoConfig(
  git: GitRunner,
  repo: string,
  ref: string
): Promise<RepoConfigFile | null> {
  let text: string;
  try {
    const listed = await git(repo, ["ls-tree", "--name-only", ref, "--", REPO_CONFIG_PATH]);
    if (listed.trim() === "") return null;
    text = await git(repo, ["show", `${ref}:${REPO_CONFIG_PATH}`]);
  } catch (error) {
    throw new Error(`could not read ${REPO_CONFIG_PATH} at ${ref}: ${(error as Error).message}`, {
      cause: error
    });
  }
  return parseRepoConfig(text, `${REPO_CONFIG_PATH} at ${ref.slice(0, 12)}`);
}
