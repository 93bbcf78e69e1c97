import { echoReply, type Reply, type ReplyFactory } from "./replies.js";
import { viewTurn } from "./turn-view.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * True when `cwd` is (inside) a directory the conductor made for one task: a worktree
 * `…/worktrees/task-…` or a scratch dir `…/scratch/task-…` (the default layout under its state
 * dir), or any `task-<uuid>` directory (the conductor's own ids, for a configured worktrees dir).
 */
export function isTaskWorkspace(cwd: string): boolean {
  const parts = cwd.split("/").filter(Boolean);
  return parts.some((part, index) => {
    if (!part.startsWith("task-")) return false;
    const parent = parts[index - 1];
    return parent === "worktrees" || parent === "scratch" || UUID.test(part.slice("task-".length));
  });
}

/** `notes/<slug>.md`: the note a conversation writes, named for its first prompt. */
export function notePath(firstPrompt: string): string {
  const slug = firstPrompt
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 48)
    .replace(/^-+|-+$/g, "");
  return `notes/${slug === "" ? "note" : slug}.md`;
}

// Single quotes keep every byte literal in a POSIX shell; a quote inside becomes '\''.
const shellQuote = (text: string): string => `'${text.replaceAll("\0", "").replaceAll("'", `'\\''`)}'`;

/**
 * The shell command the demo model asks codex to run: it creates the note with the first prompt
 * as its title and the current one as its text, or appends a section when the note exists (a
 * revise round, or a retry on the same branch), so every round changes the worktree.
 */
export function noteCommand(path: string, title: string, prompt: string): string {
  const file = shellQuote(path);
  const heading = title.split("\n")[0]?.trim() || "Note";
  return [
    `mkdir -p notes`,
    `if [ -e ${file} ]; then printf '\\n## Follow-up\\n\\n%s\\n' ${shellQuote(prompt)} >> ${file} && echo ${shellQuote(`baa-demo: appended to ${path}`)};` +
      ` else printf '# %s\\n\\n%s\\n' ${shellQuote(heading)} ${shellQuote(prompt)} > ${file} && echo ${shellQuote(`baa-demo: created ${path}`)}; fi`
  ].join(" && ");
}

// codex 0.169 frames exec_command output as "…Process exited with code N…\nOutput:\n<text>".
function commandResult(output: string): { exitCode: number | null; text: string } {
  const code = /Process exited with code (-?\d+)/.exec(output);
  const at = output.indexOf("Output:\n");
  return {
    exitCode: code === null ? null : Number(code[1]),
    text: (at === -1 ? output : output.slice(at + "Output:\n".length)).trim()
  };
}

// The command's own last line says which branch it took (a retry may find the note there).
function summary(path: string, round: number, output: string): Reply {
  const result = commandResult(output);
  if (result.exitCode !== null && result.exitCode !== 0) {
    return {
      kind: "text",
      text: `The demo model's command failed (exit code ${result.exitCode}); nothing was written.\n\n${result.text}`
    };
  }
  const appended = result.text.includes(`baa-demo: appended to ${path}`);
  const what = appended
    ? `Added a follow-up section to ${path} (round ${round}).`
    : `Wrote ${path} with the task's prompt.`;
  return { kind: "text", text: `${what} (Demo mode: the bundled mock model, not a real one.)` };
}

/**
 * Demo mode's model. In a task's own workspace it works the way codex does: first an
 * `exec_command` call that writes `notes/<slug>.md`, then, once the request carries the call's
 * output, a message saying what it did. Anywhere else (a person's session, whose cwd may be
 * their own checkout) it only echoes, and never asks to run anything.
 */
export const demoReply: ReplyFactory = (request) => {
  const turn = viewTurn(request);
  if (turn.cwd === null || !isTaskWorkspace(turn.cwd)) return echoReply(request);
  const first = turn.prompts[0] ?? "";
  const current = turn.prompts.at(-1) ?? "";
  const path = notePath(first);
  const done = turn.turnOutputs.at(-1);
  if (done !== undefined) return summary(path, turn.prompts.length, done.output);
  return { kind: "tool_call", arguments: { cmd: noteCommand(path, first, current), workdir: turn.cwd } };
};
