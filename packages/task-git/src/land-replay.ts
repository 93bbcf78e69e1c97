import { identityConfig, identityEnv, type GitIdentity } from "./author.js";
import { TaskGitError } from "./errors.js";
import { GitCommandError, gitText, nulFields, type GitRunner } from "./git-runner.js";
import { PARSEABLE_CONFIG, QUIET_CONFIG } from "./quiet-config.js";

export type LandMethod = "merge" | "squash" | "rebase";

export interface ReplayInput {
  git: GitRunner;
  /** A temporary worktree: detached at the target's tip (merge, squash) or at the branch's tip (rebase). */
  worktree: string;
  method: LandMethod;
  targetTip: string;
  branchTip: string;
  branch: string;
  message: string;
  identity: GitIdentity;
}

/** Lands the branch on the target's tip inside the temporary worktree; resolves the resulting commit (the target's tip when nothing changed). */
export async function replayInWorktree(input: ReplayInput): Promise<string> {
  const { git, worktree: cwd, identity } = input;
  const env = identityEnv(identity);
  const prefix = [...QUIET_CONFIG, ...identityConfig(identity)];
  if (input.method === "merge") {
    await conflictsAsRefusal(input, () =>
      git({
        cwd,
        env,
        args: [
          ...prefix,
          "merge",
          "--no-ff",
          "--no-log",
          "--no-stat",
          "--no-edit",
          "--no-verify",
          "--quiet",
          "--cleanup=whitespace",
          "-m",
          input.message,
          input.branchTip
        ]
      })
    );
  } else if (input.method === "squash") {
    await conflictsAsRefusal(input, () =>
      git({
        cwd,
        env,
        args: [...prefix, "merge", "--squash", "--no-log", "--no-stat", "--quiet", input.branchTip]
      })
    );
    const staged = await git({
      cwd,
      args: ["diff", "--cached", "--quiet", "--no-ext-diff"],
      okExitCodes: [0, 1]
    });
    if (staged.exitCode === 0) return input.targetTip;
    await git({
      cwd,
      env,
      args: [...prefix, "commit", "--no-verify", "--quiet", "--cleanup=whitespace", "-F", "-"],
      input: input.message
    });
  } else {
    // Detached at the branch's tip: the replay moves no branch, baa/* included.
    await conflictsAsRefusal(input, () =>
      git({
        cwd,
        env,
        args: [
          ...prefix,
          "rebase",
          "--no-update-refs",
          "--no-autosquash",
          "--no-autostash",
          "--quiet",
          input.targetTip
        ]
      })
    );
  }
  return gitText(git, cwd, ["rev-parse", "HEAD"]);
}

async function conflictsAsRefusal(input: ReplayInput, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (!(error instanceof GitCommandError) || error.exitCode !== 1) throw error;
    const unmerged = await input.git({
      cwd: input.worktree,
      args: [...PARSEABLE_CONFIG, "diff", "--name-only", "-z", "--diff-filter=U"]
    });
    const paths = [...new Set(nulFields(unmerged.stdout))];
    if (paths.length === 0) throw error;
    throw new TaskGitError(
      "land_conflict",
      `${input.branch} conflicts with the target in ${paths.join(", ")}`,
      { paths },
      { cause: error }
    );
  }
}
