import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";

import { demoReply, isTaskWorkspace, notePath, viewRequest, viewTurn, type Reply } from "../src/index.js";

const WORKTREE = "/srv/baa/state/conductor/worktrees/task-1f2e3d4c-0000-4000-8000-000000000001";

// The shape codex 0.169 sends (seen in a recorded request): instructions as a developer message,
// then its environment context and the prompt as two user messages.
const user = (text: string) => ({ type: "message", role: "user", content: [{ type: "input_text", text }] });
const context = (cwd: string) =>
  user(
    `<environment_context>\n  <cwd>${cwd}</cwd>\n  <shell>bash</shell>\n  <filesystem><workspace_roots><root>${cwd}</root></workspace_roots></filesystem>\n</environment_context>`
  );
const call = (callId: string) => ({
  type: "function_call",
  name: "exec_command",
  arguments: "{}",
  call_id: callId
});
const output = (callId: string, text: string, code = 0) => ({
  type: "function_call_output",
  call_id: callId,
  output: `Chunk ID: 1\nWall time: 0.01 seconds\nProcess exited with code ${code}\nOutput:\n${text}`
});
const assistant = (text: string) => ({
  type: "message",
  role: "assistant",
  content: [{ type: "output_text", text }]
});

const reply = (...input: object[]): Reply =>
  demoReply(
    viewRequest(
      "/v1/responses",
      {
        input: [
          { type: "message", role: "developer", content: [{ type: "input_text", text: "be helpful" }] },
          ...input
        ]
      },
      0
    )
  );

function toolCall(value: Reply): { cmd: string; workdir: string } {
  assert.equal(value.kind, "tool_call");
  return (value as { arguments: { cmd: string; workdir: string } }).arguments;
}

function inTempDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "demo-reply-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("isTaskWorkspace: the conductor's worktrees and scratch dirs, and task-<uuid> dirs, nothing else", () => {
  assert.equal(isTaskWorkspace(WORKTREE), true);
  assert.equal(
    isTaskWorkspace(`${WORKTREE}/packages/app`),
    true,
    "a task whose cwd is a subdirectory of its repository"
  );
  assert.equal(isTaskWorkspace("/srv/baa/state/conductor/scratch/task-7"), true);
  assert.equal(
    isTaskWorkspace("/var/wt/task-1f2e3d4c-0000-4000-8000-000000000001"),
    true,
    "a configured worktrees dir"
  );
  assert.equal(isTaskWorkspace("/home/me/src/baa-conductor"), false);
  assert.equal(isTaskWorkspace("/home/me/src/task-runner"), false);
  assert.equal(isTaskWorkspace("/home/me/worktrees"), false);
});

test("viewTurn reads the cwd, leaves codex's context out of the prompts and keeps only this turn's outputs", () => {
  const view = viewTurn({
    body: {
      input: [
        user("# AGENTS.md instructions for /repo\n\n<INSTRUCTIONS>be terse</INSTRUCTIONS>"),
        context("/a/b &amp; c"),
        user("first"),
        call("c1"),
        output("c1", "one"),
        assistant("did one"),
        user("second"),
        call("c2"),
        output("c2", "two")
      ]
    }
  });
  assert.equal(view.cwd, "/a/b & c");
  assert.deepEqual(view.prompts, ["first", "second"]);
  assert.deepEqual(
    view.turnOutputs.map((o) => o.callId),
    ["c2"]
  );
  assert.deepEqual(viewTurn({ body: { input: [user("hi")] } }), {
    cwd: null,
    prompts: ["hi"],
    turnOutputs: []
  });
});

test("in a task worktree the first request gets an exec_command that writes notes/<slug>.md there", () => {
  const args = toolCall(reply(context(WORKTREE), user("Add a CHANGELOG entry")));
  assert.equal(args.workdir, WORKTREE);
  assert.match(args.cmd, /notes\/add-a-changelog-entry\.md/);
  assert.equal(notePath("Fix: the *empty* case!"), "notes/fix-the-empty-case.md");
  assert.equal(notePath("日本語"), "notes/note.md");
});

test("once the request carries the call's output, a text reply says what was written", () => {
  const done = reply(
    context(WORKTREE),
    user("Add a CHANGELOG entry"),
    call("c1"),
    output("c1", "baa-demo: created notes/add-a-changelog-entry.md")
  );
  assert.equal(done.kind, "text");
  assert.match((done as { text: string }).text, /^Wrote notes\/add-a-changelog-entry\.md/);
  const failed = reply(
    context(WORKTREE),
    user("x"),
    call("c1"),
    output("c1", "mkdir: cannot create directory 'notes': Read-only file system", 1)
  );
  assert.match(
    (failed as { text: string }).text,
    /failed \(exit code 1\).*\n\nmkdir: cannot create directory/s
  );
});

test("a revise round (the comment after a finished exchange) runs the command again on the same note", () => {
  const args = toolCall(
    reply(
      context(WORKTREE),
      user("Add a CHANGELOG entry"),
      call("c1"),
      output("c1", "ok"),
      assistant("Wrote it."),
      user("Also mention the fix")
    )
  );
  assert.match(args.cmd, /notes\/add-a-changelog-entry\.md/);
  assert.match(args.cmd, /'Also mention the fix'/);
  const done = reply(
    context(WORKTREE),
    user("Add a CHANGELOG entry"),
    call("c1"),
    output("c1", "ok"),
    user("Also mention the fix"),
    call("c2"),
    output("c2", "pyenv: noise\nbaa-demo: appended to notes/add-a-changelog-entry.md")
  );
  assert.match(
    (done as { text: string }).text,
    /^Added a follow-up section to notes\/add-a-changelog-entry\.md \(round 2\)/
  );
});

test("the command writes the prompt verbatim, then appends a follow-up section (run in bash)", () =>
  inTempDir((dir) => {
    const prompt = `Quote ' "double" $(touch pwned) \`id\` %s and\na second line`;
    const first = toolCall(reply(context(WORKTREE), user(prompt)));
    assert.equal(
      execFileSync("bash", ["-c", first.cmd], { cwd: dir, encoding: "utf8" }).trim(),
      "baa-demo: created notes/quote-double-touch-pwned-id-s-and-a-second-line.md"
    );
    const note = join(dir, "notes", "quote-double-touch-pwned-id-s-and-a-second-line.md");
    assert.equal(
      readFileSync(note, "utf8"),
      `# Quote ' "double" $(touch pwned) \`id\` %s and\n\n${prompt}\n`
    );
    const second = toolCall(
      reply(context(WORKTREE), user(prompt), call("c1"), output("c1", "ok"), user("Also 100% done"))
    );
    assert.equal(
      execFileSync("bash", ["-c", second.cmd], { cwd: dir, encoding: "utf8" }).trim(),
      "baa-demo: appended to notes/quote-double-touch-pwned-id-s-and-a-second-line.md"
    );
    assert.equal(
      readFileSync(note, "utf8"),
      `# Quote ' "double" $(touch pwned) \`id\` %s and\n\n${prompt}\n\n## Follow-up\n\nAlso 100% done\n`
    );
    assert.throws(() => readFileSync(join(dir, "pwned")), "nothing in the prompt ran");
  }));

test("outside a task workspace (a person's session) the reply is the plain echo, never a tool call", () => {
  assert.deepEqual(reply(context("/home/me/src/baa-conductor"), user("Say hello.")), {
    kind: "text",
    text: "mock reply to: Say hello."
  });
  assert.deepEqual(reply(user("no context at all")), {
    kind: "text",
    text: "mock reply to: no context at all"
  });
});
