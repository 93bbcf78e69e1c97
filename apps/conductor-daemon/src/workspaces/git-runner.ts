import { execFile } from "node:child_process";

/** Runs `git args…` in `cwd` and resolves its stdout; rejects with stderr in the message. */
export type GitRunner = (cwd: string, args: readonly string[]) => Promise<string>;

/** The real git on PATH, with the conductor's environment. */
export const execGit: GitRunner = (cwd, args) =>
  new Promise((resolve, reject) => {
    execFile("git", [...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new GitError(args, stderr.trim() || error.message, { cause: error }));
        return;
      }
      resolve(stdout);
    });
  });

export class GitError extends Error {
  constructor(
    readonly args: readonly string[],
    detail: string,
    options?: { cause?: unknown }
  ) {
    super(`git ${args.join(" ")} failed: ${detail}`, options);
    this.name = "GitError";
  }
}
