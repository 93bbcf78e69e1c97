import { defaultGitRunner, GitCommandError, gitText, nulFields, type GitRunner } from "./git-runner.js";
import { PARSEABLE_CONFIG } from "./quiet-config.js";

/** The branch checked out in `repo` (a worktree), or null when HEAD is detached. */
export async function currentBranch(repo: string, git: GitRunner = defaultGitRunner): Promise<string | null> {
  const result = await git({ cwd: repo, args: ["symbolic-ref", "--quiet", "HEAD"], okExitCodes: [0, 1] });
  const ref = result.stdout.toString("utf8").trim();
  return result.exitCode === 0 && ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : null;
}

/** Local branch names, sorted. */
export async function listBranches(repo: string, git: GitRunner = defaultGitRunner): Promise<string[]> {
  const out = await gitText(git, repo, ["for-each-ref", "--format=%(refname:strip=2)", "refs/heads/"]);
  return out === "" ? [] : out.split("\n");
}

/** Configured remote names. */
export async function listRemotes(repo: string, git: GitRunner = defaultGitRunner): Promise<string[]> {
  const out = await gitText(git, repo, ["remote"]);
  return out === "" ? [] : out.split("\n");
}

/** The top level of the working tree containing `dir`; null outside a repository (or in a bare one, or when `dir` does not exist). */
export async function repoTopLevel(dir: string, git: GitRunner = defaultGitRunner): Promise<string | null> {
  try {
    const top = await gitText(git, dir, ["rev-parse", "--show-toplevel"]);
    return top === "" ? null : top;
  } catch (error) {
    if (error instanceof GitCommandError || (error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

/** The commit a revision names, or null when it names none. */
export async function revParse(
  repo: string,
  rev: string,
  git: GitRunner = defaultGitRunner
): Promise<string | null> {
  if (rev.startsWith("-")) return null;
  const result = await git({
    cwd: repo,
    args: ["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`],
    okExitCodes: [0, 1]
  });
  return result.exitCode === 0 ? result.stdout.toString("utf8").trim() : null;
}

/** Whether `refs/heads/<name>` exists (and names a commit). */
export async function branchExists(
  repo: string,
  name: string,
  git: GitRunner = defaultGitRunner
): Promise<boolean> {
  return (await branchCommit(repo, name, git)) !== null;
}

/** The tip of local branch `name`, or null when there is no such branch. */
export async function branchCommit(
  repo: string,
  name: string,
  git: GitRunner = defaultGitRunner
): Promise<string | null> {
  if (name === "" || name.startsWith("-")) return null;
  return revParse(repo, `refs/heads/${name}`, git);
}

/** Whether commit `ancestor` is reachable from `descendant` (a commit is its own ancestor). */
export async function isAncestor(
  repo: string,
  ancestor: string,
  descendant: string,
  git: GitRunner = defaultGitRunner
): Promise<boolean> {
  const result = await git({
    cwd: repo,
    args: ["merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant],
    okExitCodes: [0, 1]
  });
  return result.exitCode === 0;
}

/** The merge base of two commits, or null when their histories are unrelated. */
export async function mergeBase(
  repo: string,
  a: string,
  b: string,
  git: GitRunner = defaultGitRunner
): Promise<string | null> {
  const result = await git({
    cwd: repo,
    args: ["merge-base", "--end-of-options", a, b],
    okExitCodes: [0, 1]
  });
  return result.exitCode === 0 ? result.stdout.toString("utf8").trim() : null;
}

/**
 * Paths changed from the merge base of `base` and `head` to `head` (`git diff base...head`);
 * a rename lists both its old and its new path.
 */
export async function changedPaths(options: {
  repo: string;
  base: string;
  head: string;
  git?: GitRunner;
}): Promise<string[]> {
  const git = options.git ?? defaultGitRunner;
  if (options.base.startsWith("-") || options.head.startsWith("-"))
    throw new TypeError("base and head must be revisions, not options");
  const result = await git({
    cwd: options.repo,
    args: [
      ...PARSEABLE_CONFIG,
      "diff",
      "--no-ext-diff",
      "--no-renames",
      "--name-only",
      "-z",
      `${options.base}...${options.head}`,
      "--"
    ]
  });
  return nulFields(result.stdout);
}

/** Paths that differ between two commits, as `git diff --no-renames` sees them. */
export async function pathsBetween(
  repo: string,
  from: string,
  to: string,
  git: GitRunner = defaultGitRunner
): Promise<string[]> {
  const result = await git({
    cwd: repo,
    args: [...PARSEABLE_CONFIG, "diff", "--no-ext-diff", "--no-renames", "--name-only", "-z", from, to, "--"]
  });
  return nulFields(result.stdout);
}
