import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import type { RecordedRequest, Reply } from "@baa/mock-model";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";
import { fileWritingModel, git } from "./git-helpers.js";

const WORKER = { approvalPolicy: "never", sandbox: "workspace-write" };

function commitConfig(repo: string, config: object, extra: Record<string, string> = {}): void {
  mkdirSync(join(repo, ".baa"), { recursive: true });
  writeFileSync(join(repo, ".baa", "config.json"), JSON.stringify(config, null, 2));
  for (const [path, text] of Object.entries(extra)) writeFileSync(join(repo, path), text);
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "baa config");
}

/** The agent writes what it is asked; told `done.txt is missing` by the checks, it writes that file. */
function checkAwareModel(request: RecordedRequest): Reply {
  const body = request.body as { input?: Array<{ type?: string }> };
  if (body.input?.at(-1)?.type === "function_call_output") return { kind: "text", text: "done" };
  if ((request.lastUserText ?? "").includes("done.txt is missing"))
    return { kind: "tool_call", arguments: { cmd: "printf 'ok\\n' > done.txt" } };
  return fileWritingModel(request);
}

/** A failing check's output goes back to the same thread until every check passes; the events stream live. */
async function phaseGreenAfterFixes(stack: TaskStack, repo: string): Promise<void> {
  const created = await stack.createTask({
    ...WORKER,
    title: "checked",
    prompt: "WRITE other.txt first try",
    cwd: repo
  });
  assert.equal(created.status, 201, created.text);
  const taskId = created.body.data.task.taskId as string;
  const events = await stack.taskEvents(taskId, 0);
  try {
    const task = await stack.waitTask(
      taskId,
      (t) => t.state === "in_review" || t.state === "failed",
      "in review"
    );
    assert.equal(task.state, "in_review", JSON.stringify(task));
    const [run] = await stack.runs(taskId);
    assert.deepEqual(
      run.checks.map((c: any) => [c.name, c.status, c.round]),
      [
        ["needs-done", "failed", 1],
        ["always", "passed", 1],
        ["needs-done", "passed", 2],
        ["always", "passed", 2]
      ]
    );
    assert.match(run.checks[0].outputTail, /done\.txt is missing/);
    assert.equal(run.checks[0].exitCode, 1);
    // The second turn carried the failing check's output, on the same thread.
    const fix = stack.model.requests.find((r) => (r.lastUserText ?? "").includes("done.txt is missing"));
    assert.ok(fix, "the model saw the check's output");
    assert.match(fix.lastUserText ?? "", /needs-done/);
    assert.ok(
      fix.userTexts.includes("WRITE other.txt first try"),
      "the same thread: the first prompt is in the request"
    );
    assert.ok(existsSync(join(run.workspace.path, "done.txt")));
    assert.deepEqual(JSON.parse(readFileSync(join(run.folder, "checks.json"), "utf8")).length, 4);
    // Live: the check events reached the task's stream.
    const seen = await events.waitFor(
      (e: any) => e.type === "run.check.ended" && e.data.round === 2 && e.data.name === "always",
      "the last check event"
    );
    assert.equal(seen.data.status, "passed");
    assert.ok(
      events.events.some(
        (e: any) => e.type === "run.check.started" && e.data.name === "needs-done" && e.data.round === 1
      )
    );
    assert.ok(events.events.some((e: any) => e.type === "run.checks.turn" && e.data.round === 2));
  } finally {
    events.close();
  }
}

/** Checks that never pass: the rounds are spent and the task waits in review with them named. */
async function phaseNeverGreen(stack: TaskStack, repo: string): Promise<void> {
  const stubborn = await stack.createTask({
    ...WORKER,
    title: "never green",
    prompt: "WRITE x.txt something",
    cwd: repo,
    checks: [{ name: "red", run: "echo nope; exit 7" }],
    maxCheckRounds: 2
  });
  const red = await stack.waitTask(
    stubborn.body.data.task.taskId,
    (t) => t.state === "in_review" || t.state === "failed",
    "in review"
  );
  assert.equal(red.state, "in_review");
  assert.match(red.stateReason, /checks still failing.*red/);
  const [redRun] = await stack.runs(red.taskId);
  assert.deepEqual(
    redRun.checks.map((c: any) => [c.status, c.round, c.exitCode]),
    [
      ["failed", 1, 7],
      ["failed", 2, 7]
    ]
  );
}

test("failing checks go back to the same thread until green, then the task waits in review", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(checkAwareModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    commitConfig(repo, {
      checks: [
        { name: "needs-done", run: "test -f done.txt || { echo 'done.txt is missing'; exit 1; }" },
        { name: "always", run: "echo fine" }
      ]
    });
    await phaseGreenAfterFixes(stack, repo);

    await phaseNeverGreen(stack, repo);
  } finally {
    await stack.stop();
  }
});

test("setup copies ignored files and runs before the first turn; a failing setup fails the run with its output", async () => {
  const stack = await startTaskStack();
  const sawEnv: boolean[] = [];
  stack.model.setDefaultReply((request) => {
    const cwd = /<cwd>([^<]+)<\/cwd>/.exec(request.userTexts.join("\n"))?.[1];
    if (cwd !== undefined) sawEnv.push(existsSync(join(cwd, "setup-ran.txt")));
    return { kind: "text", text: "nothing to change" };
  });
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    commitConfig(
      repo,
      {
        setup: { copy: [".env", "missing.env"], run: ["cat .env > setup-ran.txt && echo setup said hello"] }
      },
      { ".gitignore": ".env\nsetup-ran.txt\n" }
    );
    writeFileSync(join(repo, ".env"), "SECRET_FOR_TESTS=1\n");
    const created = await stack.createTask({ ...WORKER, title: "setup", prompt: "look", cwd: repo });
    const task = await stack.waitTask(
      created.body.data.task.taskId,
      (t) => t.state === "succeeded" || t.state === "failed",
      "ended"
    );
    assert.equal(task.state, "succeeded", JSON.stringify(task));
    const [run] = await stack.runs(task.taskId);
    assert.equal(run.setup.status, "passed");
    assert.deepEqual(run.setup.copied, [".env"]);
    assert.match(run.setup.commands[0].outputTail, /setup said hello/);
    assert.equal(readFileSync(join(run.workspace.path, ".env"), "utf8"), "SECRET_FOR_TESTS=1\n");
    assert.equal(JSON.parse(readFileSync(join(run.folder, "setup.json"), "utf8")).status, "passed");
    assert.deepEqual(sawEnv, [true], "setup had run when the first turn began");

    const broken = await stack.createTask({
      ...WORKER,
      title: "broken setup",
      prompt: "never asked",
      cwd: repo,
      maxAttempts: 1,
      setup: { run: ["echo cannot install >&2; exit 3"] }
    });
    const failed = await stack.waitTask(
      broken.body.data.task.taskId,
      (t) => t.state === "failed" || t.state === "succeeded",
      "failed"
    );
    assert.equal(failed.state, "failed");
    assert.match(failed.stateReason, /setup failed.*exit 3.*cannot install/s);
    assert.equal(
      stack.model.requests.some((r) => r.userTexts.includes("never asked")),
      false,
      "no turn after a failed setup"
    );
  } finally {
    await stack.stop();
  }
});

test("a task starts from the upstream's tip when the local base branch is behind it", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const bare = stack.dir.path("origin.git");
    git(stack.dir.path(), "init", "-q", "--bare", "-b", "main", bare);
    git(repo, "remote", "add", "origin", bare);
    git(repo, "push", "-q", "-u", "origin", "main");
    // Someone else pushes to origin/main; the local main does not know yet.
    const other = stack.dir.path("other");
    git(stack.dir.path(), "clone", "-q", bare, other);
    git(other, "config", "user.email", "o@example.test");
    git(other, "config", "user.name", "other");
    writeFileSync(join(other, "upstream.txt"), "from upstream\n");
    git(other, "add", "-A");
    git(other, "commit", "-q", "-m", "upstream work");
    git(other, "push", "-q", "origin", "main");
    const remoteTip = git(other, "rev-parse", "HEAD").trim();
    const localTip = git(repo, "rev-parse", "main").trim();
    assert.notEqual(remoteTip, localTip);

    const created = await stack.createTask({
      ...WORKER,
      title: "fresh",
      prompt: "WRITE mine.txt hello",
      cwd: repo
    });
    const task = await stack.waitTask(
      created.body.data.task.taskId,
      (t) => t.state === "in_review" || t.state === "failed",
      "in review"
    );
    assert.equal(task.state, "in_review");
    const [run] = await stack.runs(task.taskId);
    assert.equal(run.workspace.baseCommit, remoteTip, "the base commit is the remote's tip");
    assert.equal(git(repo, "rev-parse", "main").trim(), localTip, "the person's main was not moved");
    // The diff shows the task's work only, not the upstream commit the local main lacks.
    const diff = (await (await fetch(`${stack.conductorBase}/v1/tasks/${task.taskId}/diff`)).json()) as any;
    assert.deepEqual(
      diff.data.files.map((f: any) => f.path),
      ["mine.txt"]
    );
  } finally {
    await stack.stop();
  }
});
