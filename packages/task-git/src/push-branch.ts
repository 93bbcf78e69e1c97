import { TaskGitError } from "./errors.js";
import { defaultGitRunner, GitCommandError, type GitRunner } from "./git-runner.js";
import { redactCredentials } from "./redact.js";
import { branchCommit, listRemotes } from "./refs.js";
import { configuredRemoteUrl } from "./remote-repository.js";

export interface PushBranchOptions {
  repo: string;
  remote: string;
  branch: string;
  /** `with-lease` rewrites the remote branch, only for `baa/…` branches; `none` pushes fast-forward only. */
  force: "with-lease" | "none";
  /** The lease: the sha the remote branch must still be at. Default: this repository's remote-tracking ref for it. */
  expectedRemoteSha?: string;
  git?: GitRunner;
}

/**
 * Pushes `refs/heads/<branch>` to the same name on `remote`. The repository's pre-push hook
 * does run (git-lfs uploads its objects from there). Messages never carry URL credentials.
 */
export async function pushBranch(options: PushBranchOptions): Promise<{ remoteUrl: string; commit: string }> {
  const git = options.git ?? defaultGitRunner;
  const { repo, remote, branch } = options;
  if (!(await listRemotes(repo, git)).includes(remote))
    throw new TaskGitError("unknown_remote", `no remote ${remote}`);
  if (options.force === "with-lease" && !branch.startsWith("baa/")) {
    throw new TaskGitError(
      "lease_not_allowed",
      `only baa/ branches may be force-pushed; ${branch} is not one`
    );
  }
  const commit = await branchCommit(repo, branch, git);
  if (commit === null) throw new TaskGitError("unknown_ref", `no branch ${branch}`);
  const ref = `refs/heads/${branch}`;
  const lease =
    options.expectedRemoteSha === undefined
      ? `--force-with-lease=${ref}`
      : `--force-with-lease=${ref}:${options.expectedRemoteSha}`;
  const args = [
    "push",
    "--porcelain",
    ...(options.force === "with-lease" ? [lease] : []),
    "--",
    remote,
    `${ref}:${ref}`
  ];
  try {
    await git({ cwd: repo, args });
  } catch (error) {
    if (!(error instanceof GitCommandError)) throw error;
    throw pushRefusal(error, remote, branch);
  }
  return { remoteUrl: redactCredentials((await configuredRemoteUrl(repo, remote, git)) ?? remote), commit };
}

function pushRefusal(error: GitCommandError, remote: string, branch: string): TaskGitError {
  // --porcelain prints `!<TAB>from:to<TAB>[rejected] (reason)` on stdout for a ref the remote refused.
  const stdout = redactCredentials(error.stdout);
  const rejected = stdout.split("\n").find((line) => line.startsWith("!"));
  const gitSays = redactCredentials(error.stderr.trim());
  if (rejected !== undefined) {
    const reason = rejected.split("\t")[2] ?? rejected;
    return new TaskGitError(
      "push_rejected",
      `${remote} refused ${branch}: ${reason}${gitSays === "" ? "" : `\n${gitSays}`}`,
      {},
      { cause: error }
    );
  }
  return new TaskGitError(
    "push_failed",
    `push of ${branch} to ${remote} failed: ${gitSays || error.message}`,
    {},
    { cause: error }
  );
}
