import { execFile } from "node:child_process";
import { redactCredentials } from "./redact.js";

export interface GitCall {
  cwd: string;
  args: readonly string[];
  /** Written to git's stdin (e.g. a commit message for `-F -`). */
  input?: string;
  /** Added to the runner's environment for this call only (e.g. GIT_AUTHOR_NAME). */
  env?: Readonly<Record<string, string>>;
  /** Exit codes that resolve rather than reject (`diff --quiet` uses 1 for "differs"). Default [0]. */
  okExitCodes?: readonly number[];
  /** Stop reading stdout past this many bytes (git is killed); `stdoutCut` says it happened. */
  maxStdoutBytes?: number;
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
  exitCode: number;
  /** stdout reached `maxStdoutBytes` and git was stopped. */
  stdoutCut: boolean;
}

/** Runs one git command. The only thing in this package that starts a process. */
export type GitRunner = (call: GitCall) => Promise<GitResult>;

/** git failed in a way no refusal code describes (not a repository, I/O, a bug). */
export class GitCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
    /** What git printed on stdout before failing (e.g. `push --porcelain` ref lines). */
    readonly stdout: string,
    options?: { cause?: unknown }
  ) {
    super(
      redactCredentials(
        `git ${args.join(" ")} failed (exit ${exitCode ?? "none"}): ${stderr.trim() || "no message"}`
      ),
      options
    );
    this.name = "GitCommandError";
  }
}

// Set by a parent git (the conductor started from a hook, a test under `git rebase -x`):
// they would point every call at that repository instead of `cwd`.
const REPOSITORY_OVERRIDES = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_COMMON_DIR",
  "GIT_PREFIX"
];
const DEFAULT_MAX_BUFFER = 512 * 1024 * 1024;

export interface GitRunnerOptions {
  /** The environment git runs with; default process.env. Tests pass GIT_CONFIG_GLOBAL/GIT_CONFIG_NOSYSTEM here. */
  env?: NodeJS.ProcessEnv;
  /** Default "git" on PATH. */
  binary?: string;
}

/** A runner over the real git binary. Never prompts: a push that needs a password fails instead. */
export function createGitRunner(options: GitRunnerOptions = {}): GitRunner {
  const base: NodeJS.ProcessEnv = { ...(options.env ?? process.env), GIT_TERMINAL_PROMPT: "0" };
  for (const name of REPOSITORY_OVERRIDES) delete base[name];
  const binary = options.binary ?? "git";
  return (call) =>
    new Promise((resolve, reject) => {
      const limit = call.maxStdoutBytes;
      const child = execFile(
        binary,
        [...call.args],
        {
          cwd: call.cwd,
          env: { ...base, ...call.env },
          encoding: "buffer",
          maxBuffer: limit ?? DEFAULT_MAX_BUFFER
        },
        (error, stdout, stderrBuffer) => {
          const stderr = stderrBuffer.toString("utf8");
          const cut =
            limit !== undefined &&
            (error as { code?: unknown } | null)?.code === "ERR_CHILD_PROCESS_STDIO_MAXBUFFER";
          if (cut) {
            resolve({ stdout, stderr, exitCode: 0, stdoutCut: true });
            return;
          }
          const exitCode = error === null ? 0 : typeof error.code === "number" ? error.code : null;
          if (exitCode !== null && (call.okExitCodes ?? [0]).includes(exitCode)) {
            resolve({ stdout, stderr, exitCode, stdoutCut: false });
            return;
          }
          reject(
            new GitCommandError(
              call.args,
              exitCode,
              stderr || (error?.message ?? ""),
              stdout.toString("utf8"),
              { cause: error }
            )
          );
        }
      );
      child.stdin?.on("error", () => undefined); // git may exit before reading all of stdin; its exit code tells.
      child.stdin?.end(call.input ?? "");
    });
}

/** The runner used when a caller passes none: real git, the process environment. */
export const defaultGitRunner: GitRunner = createGitRunner();

/** stdout as text, without the final newline. */
export async function gitText(git: GitRunner, cwd: string, args: readonly string[]): Promise<string> {
  const result = await git({ cwd, args });
  return result.stdout.toString("utf8").replace(/\n$/, "");
}

/** stdout split on NUL (for `-z` output), without the empty tail. */
export function nulFields(stdout: Buffer): string[] {
  const fields = stdout.toString("utf8").split("\0");
  if (fields.at(-1) === "") fields.pop();
  return fields;
}
