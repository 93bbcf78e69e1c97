import { parseDiffFiles, type DiffFile } from "./diff-files.js";
import { TaskGitError } from "./errors.js";
import { defaultGitRunner, nulFields, type GitRunner } from "./git-runner.js";
import { PARSEABLE_CONFIG } from "./quiet-config.js";
import { branchCommit, mergeBase, revParse } from "./refs.js";
import { cutUtf8 } from "./utf8-cut.js";

export interface BranchDiffOptions {
  repo: string;
  /** A branch name, else any commit-ish. */
  base: string;
  /** A branch name. */
  head: string;
  /** Only this file (or directory); a renamed file matches by its old or new path. */
  path?: string;
  /** The patch is cut to at most this many bytes. */
  maxPatchBytes: number;
  git?: GitRunner;
}

export interface BranchDiff {
  /** `commit` is the merge base of base and head, where the diff starts; `branch` null when base was a commit. */
  base: { branch: string | null; commit: string };
  head: { branch: string; commit: string };
  files: DiffFile[];
  patch: string;
  truncated: boolean;
}

// Output parsed or shown must not depend on the user's diff settings (prefixes, external tools, textconv).
const DIFF_FLAGS = [
  "--no-ext-diff",
  "--no-textconv",
  "--no-color",
  "-M",
  "--src-prefix=a/",
  "--dst-prefix=b/"
];

/** `git diff base...head`: what head changed since it left base, with renames, binaries flagged, the patch capped. */
export async function branchDiff(options: BranchDiffOptions): Promise<BranchDiff> {
  const git = options.git ?? defaultGitRunner;
  const { repo } = options;
  const headCommit = await branchCommit(repo, options.head, git);
  if (headCommit === null) throw new TaskGitError("unknown_ref", `no branch ${options.head}`);
  const baseBranchCommit = await branchCommit(repo, options.base, git);
  const baseCommit = baseBranchCommit ?? (await revParse(repo, options.base, git));
  if (baseCommit === null) throw new TaskGitError("unknown_ref", `no branch or commit ${options.base}`);
  const start = await mergeBase(repo, baseCommit, headCommit, git);
  if (start === null)
    throw new TaskGitError("no_merge_base", `${options.base} and ${options.head} share no history`);

  const range = [start, headCommit];
  const listArgs = (format: string) => [
    ...PARSEABLE_CONFIG,
    "diff",
    ...DIFF_FLAGS,
    format,
    "-z",
    ...range,
    "--"
  ];
  const [nameStatus, numstat] = await Promise.all([
    git({ cwd: repo, args: listArgs("--name-status") }),
    git({ cwd: repo, args: listArgs("--numstat") })
  ]);
  let files = parseDiffFiles(nulFields(nameStatus.stdout), nulFields(numstat.stdout));
  let pathspecs: string[] = [];
  if (options.path !== undefined) {
    const wanted = options.path.replace(/\/+$/, "");
    files = files.filter((file) => within(file.path, wanted) || within(file.oldPath, wanted));
    pathspecs = [...new Set(files.flatMap((file) => [file.path, file.oldPath]))].map(
      (path) => `:(literal)${path}`
    );
  }
  const { patch, truncated } =
    options.path !== undefined && files.length === 0
      ? { patch: "", truncated: false }
      : await readPatch(
          git,
          repo,
          [...PARSEABLE_CONFIG, "diff", ...DIFF_FLAGS, ...range, "--", ...pathspecs],
          options.maxPatchBytes
        );
  return {
    base: { branch: baseBranchCommit === null ? null : options.base, commit: start },
    head: { branch: options.head, commit: headCommit },
    files,
    patch,
    truncated
  };
}

function within(path: string, wanted: string): boolean {
  return path === wanted || path.startsWith(`${wanted}/`);
}

async function readPatch(
  git: GitRunner,
  cwd: string,
  args: string[],
  maxBytes: number
): Promise<{ patch: string; truncated: boolean }> {
  if (!Number.isInteger(maxBytes) || maxBytes < 0)
    throw new TypeError("maxPatchBytes must be a whole number of bytes");
  // One byte past the cap tells "exactly at the cap" from "more than the cap".
  const result = await git({ cwd, args, maxStdoutBytes: maxBytes + 1 });
  const truncated = result.stdoutCut || result.stdout.length > maxBytes;
  return { patch: cutUtf8(result.stdout, maxBytes).toString("utf8"), truncated };
}
