import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { eventually, postJson } from "../support/http.js";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

/** Both wait on their approval at the same time; each is answered through the approvals route. */
async function approveBoth(stack: TaskStack, tasks: Record<string, string>): Promise<void> {
  for (const taskId of Object.values(tasks))
    await stack.waitTask(taskId, (t) => t.state === "needs_approval", "needs_approval");
  for (const taskId of Object.values(tasks)) {
    const [run] = await stack.runs(taskId);
    const approvals = (await eventually(async () => {
      const list = (await (
        await fetch(`${stack.conductorBase}/v1/codex/approvals?sessionId=${run.sessionId}&status=pending`)
      ).json()) as any;
      return list.data.approvals.length > 0 ? list.data.approvals : null;
    }, "a pending approval")) as any[];
    assert.match(String(approvals[0].details.command), /touch/);
    assert.equal(
      (
        await postJson(`${stack.conductorBase}/v1/codex/approvals/${approvals[0].approvalId}`, {
          decision: "accept"
        })
      ).status,
      200
    );
  }
}

/** A task's run wrote its file in its own worktree, on its own branch, and committed it there. */
async function assertOwnWorktree(stack: TaskStack, repo: string, base: string, name: string, taskId: string) {
  await stack.waitTask(taskId, (t) => t.state === "succeeded", "succeeded");
  const [run] = await stack.runs(taskId);
  assert.equal(run.workspace.kind, "worktree");
  assert.equal(run.workspace.baseCommit, base);
  assert.equal(run.workspace.branch, `baa/${taskId}`);
  assert.notEqual(run.workspace.path, repo);
  const diff = readFileSync(stack.dir.path("runs", run.runId, "diff.patch"), "utf8");
  const other = name === "alpha.txt" ? "beta.txt" : "alpha.txt";
  assert.match(diff, new RegExp(`b/${name.replace(".", "\\.")}`), `the diff of ${name} shows it`);
  assert.doesNotMatch(
    diff,
    new RegExp(other.replace(".", "\\.")),
    `the diff of ${name} shows nothing of ${other}`
  );
  const meta = JSON.parse(readFileSync(stack.dir.path("runs", run.runId, "meta.json"), "utf8"));
  assert.equal(meta.workspace.branch, run.workspace.branch);
  // The run committed its work to the task's branch when it ended.
  assert.equal(meta.commit, run.commit);
  assert.equal(git(repo, "rev-parse", run.workspace.branch).trim(), run.commit);
  assert.equal(git(repo, "log", "-1", "--format=%s", run.workspace.branch).trim(), name);
}

test("two tasks at once on one repository each write a file through an approved command into their own worktree", async () => {
  const stack = await startTaskStack({ worktreeRetentionMs: 0 });
  // `WRITE <name>` asks codex to run a command that writes <name> in its working directory.
  stack.model.setDefaultReply((r: RecordedRequest): Reply => {
    const prompt = r.lastUserText ?? "";
    if (r.functionCallOutputs.length > 0)
      return {
        kind: "text",
        text: `wrote it: ${r.functionCallOutputs
          .map((o) => o.output)
          .join(" ")
          .slice(0, 100)}`
      };
    const name = prompt.startsWith("WRITE ") ? prompt.slice("WRITE ".length) : null;
    if (name !== null) return { kind: "tool_call", arguments: { cmd: `touch ${name}` } };
    return { kind: "text", text: "nothing to do" };
  });
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const base = git(repo, "rev-parse", "HEAD").trim();
    const make = async (name: string) => {
      // review: none ends the task succeeded as before review existed (tests/review covers review).
      const answer = await stack.createTask({
        title: name,
        prompt: `WRITE ${name}`,
        cwd: repo,
        approvalPolicy: "untrusted",
        sandbox: "workspace-write",
        review: "none"
      });
      assert.equal(answer.status, 201, answer.text);
      return answer.body.data.task.taskId as string;
    };
    const tasks = { "alpha.txt": await make("alpha.txt"), "beta.txt": await make("beta.txt") };

    // Both wait on their approval at the same time; each is answered through the approvals route.
    await approveBoth(stack, tasks);

    for (const [name, taskId] of Object.entries(tasks))
      await assertOwnWorktree(stack, repo, base, name, taskId);
    assert.equal(
      existsSync(join(repo, "alpha.txt")) || existsSync(join(repo, "beta.txt")),
      false,
      "the shared checkout is untouched"
    );
    assert.equal(git(repo, "status", "--porcelain").trim(), "");

    // Retention 0: the worktrees go; the branches keep the runs' commits.
    await stack.conductor.taskEngine?.reapWorktrees();
    for (const [name, taskId] of Object.entries(tasks)) {
      const [run] = await stack.runs(taskId);
      assert.equal(existsSync(run.workspace.path), false, "worktree removed");
      const files = git(repo, "ls-tree", "-r", "--name-only", `baa/${taskId}`).split("\n");
      assert.ok(files.includes(name), `${name} kept on its branch`);
      assert.equal(
        git(repo, "log", "-1", "--format=%s", `baa/${taskId}`).trim(),
        name,
        "nothing was left uncommitted"
      );
    }
    assert.match(git(repo, "branch", "--list", "baa/*"), /baa\/task-/);
  } finally {
    await stack.stop();
  }
});
