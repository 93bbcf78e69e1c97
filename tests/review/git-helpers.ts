import { execFileSync } from "node:child_process";
import type { RecordedRequest, Reply } from "@baa/mock-model";

export const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Everything a refused land must leave as it was: every ref, the index, the checkout's files. */
export function repoSnapshot(repo: string): string {
  return [
    git(repo, "for-each-ref", "--format=%(refname) %(objectname)"),
    git(repo, "status", "--porcelain=v2", "--untracked-files=all"),
    git(repo, "ls-files", "-s"),
    git(repo, "diff"),
    git(repo, "diff", "--cached")
  ].join("\n--\n");
}

/**
 * The mock model as a worker that edits files: a turn whose newest input is `WRITE <file> <text>`
 * runs a shell command writing that file (the real exec_command tool, in the worktree), and
 * once the command's output came back it answers with text. Decided on the newest input item,
 * since a resumed thread carries the earlier rounds' tool calls too.
 */
export function fileWritingModel(request: RecordedRequest): Reply {
  const body = request.body as { input?: Array<{ type?: string; role?: string }> };
  const last = body.input?.at(-1);
  if (last?.type === "function_call_output") return { kind: "text", text: "done: the file is written" };
  const match = /^WRITE (\S+) (.+)$/s.exec(request.lastUserText ?? "");
  if (match === null) return { kind: "text", text: "nothing to do" };
  const [, file, text] = match;
  return {
    kind: "tool_call",
    arguments: { cmd: `printf '%s\\n' '${(text as string).replaceAll("'", "")}' >> ${file}` }
  };
}

/** Lines of `git log` trailers of the branch's commits since `base`, newest first. */
export function commitsSince(
  repo: string,
  base: string,
  branch: string
): Array<{ subject: string; trailers: string; author: string }> {
  const out = git(
    repo,
    "log",
    "--format=%s%x1f%an <%ae>%x1f%(trailers:only,unfold)%x1e",
    `${base}..${branch}`
  );
  return out
    .split("\x1e")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map((entry) => {
      const [subject = "", author = "", trailers = ""] = entry.split("\x1f");
      return { subject, author, trailers };
    });
}
