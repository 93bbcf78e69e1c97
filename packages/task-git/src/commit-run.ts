import { identityConfig, identityEnv, parseAuthor } from "./author.js";
import { defaultGitRunner, gitText, type GitRunner } from "./git-runner.js";
import { QUIET_CONFIG } from "./quiet-config.js";

export interface CommitRunOptions {
  /** The task's worktree (on its `baa/<task_id>` branch). */
  worktree: string;
  /** The commit's title (the task title); trailers follow after a blank line. */
  message: string;
  /** In order, e.g. `{"Baa-Task": "task-1", "Baa-Run": "run-1"}`. */
  trailers: Readonly<Record<string, string>>;
  /** `Name <email>`: author and committer. */
  author: string;
  git?: GitRunner;
}

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/**
 * Stages everything in the worktree (new files included, ignored ones not) and commits once
 * when anything changed. The repository's hooks do not run and nothing is signed.
 */
export async function commitRun(options: CommitRunOptions): Promise<{ commit: string | null }> {
  const identity = parseAuthor(options.author);
  const message = commitMessage(options.message, options.trailers);
  const git = options.git ?? defaultGitRunner;
  const cwd = options.worktree;
  await git({ cwd, args: [...QUIET_CONFIG, "add", "-A"] });
  const staged = await git({
    cwd,
    args: ["diff", "--cached", "--quiet", "--no-ext-diff"],
    okExitCodes: [0, 1]
  });
  if (staged.exitCode === 0) return { commit: null };
  await git({
    cwd,
    args: [
      ...QUIET_CONFIG,
      ...identityConfig(identity),
      "commit",
      "--no-verify",
      "--quiet",
      "--cleanup=whitespace",
      "--no-edit",
      "-F",
      "-"
    ],
    input: message,
    env: identityEnv(identity)
  });
  return { commit: await gitText(git, cwd, ["rev-parse", "HEAD"]) };
}

/** Title, blank line, one `Key: value` line per trailer: what `git log --format=%(trailers)` reads back. */
export function commitMessage(title: string, trailers: Readonly<Record<string, string>>): string {
  const subject = title.trim();
  if (subject === "") throw new TypeError("message must not be empty");
  const lines = Object.entries(trailers).map(([key, value]) => {
    if (!TRAILER_KEY.test(key))
      throw new TypeError(`trailer key ${JSON.stringify(key)} must be letters, digits and dashes`);
    if (/[\r\n]/.test(value) || value.trim() === "")
      throw new TypeError(`trailer ${key} must be one non-empty line`);
    return `${key}: ${value.trim()}`;
  });
  return lines.length === 0 ? `${subject}\n` : `${subject}\n\n${lines.join("\n")}\n`;
}
