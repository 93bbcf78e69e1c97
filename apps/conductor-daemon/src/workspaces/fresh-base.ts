import type { GitRunner } from "./git-runner.js";

/** Where a new task branch starts, and how that was decided. */
export interface FreshBase {
  commit: string;
  /** `HEAD`, or the upstream ref (e.g. `origin/main`) when it was ahead of the local branch. */
  from: string;
  /** Why the upstream could not be fetched (the task then starts from what is known locally). */
  fetchProblem: string | null;
}

const quiet = async (run: Promise<string>): Promise<string | null> =>
  run.then(
    (out) => out.trim() || null,
    () => null
  );

/** The base branch's upstream (`origin/main`), when it has one that is a remote's branch. */
async function upstreamOf(
  git: GitRunner,
  repo: string,
  branch: string
): Promise<{ ref: string; remote: string; merge: string } | null> {
  const remote = await quiet(git(repo, ["config", "--get", `branch.${branch}.remote`]));
  const merge = await quiet(git(repo, ["config", "--get", `branch.${branch}.merge`]));
  if (remote === null || merge === null || remote === ".") return null;
  const ref = await quiet(
    git(repo, ["rev-parse", "--abbrev-ref", "--symbolic-full-name", `${branch}@{upstream}`])
  );
  return ref === null ? null : { ref, remote, merge };
}

const isAncestor = (git: GitRunner, repo: string, a: string, b: string) =>
  git(repo, ["merge-base", "--is-ancestor", a, b]).then(
    () => true,
    () => false
  );

/**
 * Before a task's branch is made: fetch the base branch from its upstream, so a task does not
 * start from a stale local copy, and start from the upstream's tip when the local branch is
 * behind it. A local branch that is ahead (unpushed work) or has diverged is the person's
 * latest word: the task starts there. The person's own branch is never moved; only the
 * remote-tracking ref is updated by the fetch.
 */
export async function freshBase(git: GitRunner, repo: string, baseBranch: string | null): Promise<FreshBase> {
  const head = (await git(repo, ["rev-parse", "HEAD"])).trim();
  if (baseBranch === null) return { commit: head, from: "HEAD", fetchProblem: null };
  const upstream = await upstreamOf(git, repo, baseBranch);
  if (upstream === null) return { commit: head, from: "HEAD", fetchProblem: null };
  let fetchProblem: string | null = null;
  try {
    await git(repo, [
      "-c",
      "core.hooksPath=/dev/null",
      "fetch",
      "--quiet",
      "--no-tags",
      upstream.remote,
      upstream.merge
    ]);
  } catch (error) {
    fetchProblem = (error as Error).message;
  }
  const tip = await quiet(git(repo, ["rev-parse", `${upstream.ref}^{commit}`]));
  if (tip === null || tip === head || !(await isAncestor(git, repo, head, tip)))
    return { commit: head, from: "HEAD", fetchProblem };
  return { commit: tip, from: upstream.ref, fetchProblem };
}

/**
 * What a task's branch is compared with: its base branch, or that branch's upstream when the
 * local branch is behind it (the task was started from the fetched tip, and a diff against the
 * stale local branch would show the upstream's commits as the task's).
 */
export async function comparisonBase(git: GitRunner, repo: string, baseBranch: string): Promise<string> {
  const upstream = await upstreamOf(git, repo, baseBranch);
  if (upstream === null) return baseBranch;
  const local = await quiet(git(repo, ["rev-parse", `refs/heads/${baseBranch}`]));
  const remote = await quiet(git(repo, ["rev-parse", `${upstream.ref}^{commit}`]));
  if (local === null || remote === null || local === remote) return baseBranch;
  return (await isAncestor(git, repo, local, remote)) ? upstream.ref : baseBranch;
}
