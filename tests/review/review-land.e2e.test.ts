import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { getJson, postJson } from "../support/http.js";
import { makeGitRepo, startTaskStack, type TaskStack } from "../support/task-stack.js";
import { commitsSince, fileWritingModel, git, repoSnapshot } from "./git-helpers.js";

const WORKER = { approvalPolicy: "never", sandbox: "workspace-write" };

async function reviewed(stack: TaskStack, body: Record<string, unknown>) {
  const created = await stack.createTask({ ...WORKER, ...body });
  assert.equal(created.status, 201, created.text);
  const taskId = created.body.data.task.taskId as string;
  const task = await stack.waitTask(
    taskId,
    (t) => t.state === "in_review" || t.state === "failed",
    "in review"
  );
  assert.equal(task.state, "in_review", JSON.stringify(task));
  return task;
}

interface ReviewContext {
  stack: TaskStack;
  repo: string;
  /** main's commit the task started from. */
  base: string;
  taskId: string;
  /** The task's branch, baa/<id>. */
  branch: string;
}

/** One commit on baa/<id>, message = title, both trailers, the configured author; the run's record. */
async function phaseCommitted({ stack, repo, base, taskId, branch }: ReviewContext) {
  const [run1] = await stack.runs(taskId);
  const commits = commitsSince(repo, base, branch);
  assert.equal(commits.length, 1);
  assert.equal(commits[0]?.subject, "Say hello");
  assert.equal(commits[0]?.author, "Review Bot <bot@example.test>");
  assert.match(commits[0]?.trailers ?? "", new RegExp(`Baa-Task: ${taskId}`));
  assert.match(commits[0]?.trailers ?? "", new RegExp(`Baa-Run: ${run1.runId}`));
  assert.equal(run1.commit, git(repo, "rev-parse", branch).trim());
  assert.equal(run1.round, 1);
  assert.notEqual(run1.lastEventAt, null, "a run with events says when the last one came");
  assert.equal(run1.folder, stack.dir.path("runs", run1.runId));
  const patch = readFileSync(stack.dir.path("runs", run1.runId, "diff.patch"), "utf8");
  assert.match(patch, /\+hi there/);
  return run1;
}

/** The diff route (base…head with per-file counts, one path, the raw patch) and the review metrics. */
async function phaseDiffAndMetrics({ stack, base, taskId, branch }: ReviewContext, run1: any): Promise<void> {
  const diff = (await getJson(`${stack.conductorBase}/v1/tasks/${taskId}/diff`)).body.data;
  assert.deepEqual(diff.base, { branch: "main", commit: base });
  assert.deepEqual(diff.head, { branch, commit: run1.commit });
  assert.deepEqual(diff.files, [
    { path: "hello.txt", oldPath: "hello.txt", status: "added", additions: 1, deletions: 0, binary: false }
  ]);
  assert.equal(diff.truncated, false);
  const raw = await fetch(`${stack.conductorBase}/v1/tasks/${taskId}/diff?format=patch`);
  assert.match(raw.headers.get("content-type") ?? "", /^text\/x-diff/);
  assert.match(await raw.text(), /\+\+\+ b\/hello\.txt/);

  const metrics = await (await fetch(`${stack.conductorBase}/metrics`)).text();
  assert.match(metrics, /^conductor_tasks_waiting_on_person 1$/m, "in review counts as waiting on a person");
  assert.match(metrics, /^conductor_tasks\{state="in_review"\} 1$/m);
  assert.match(metrics, /^conductor_task_reviews_total\{action="in_review"\} 1$/m);
}

/** Revise: the next round resumes the same thread; the model sees the first exchange. */
async function phaseRevised({ stack, repo, base, taskId, branch }: ReviewContext, run1: any) {
  const revise = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/revise`, {
    comment: "WRITE second.txt and more"
  });
  assert.equal(revise.status, 200, revise.text);
  assert.equal(revise.body.data.task.round, 2);
  const seen = await stack.model.waitForRequest((r) => r.lastUserText === "WRITE second.txt and more");
  assert.ok(
    seen.userTexts.includes("WRITE hello.txt hi there"),
    "the revise request carries the first round"
  );
  const revised = await stack.waitTask(
    taskId,
    (t) => t.state === "in_review" && t.round === 2,
    "in review again"
  );
  assert.equal(revised.round, 2);
  const runs = await stack.runs(taskId);
  assert.equal(runs.length, 2);
  const run2 = runs.find((r) => r.runId !== run1.runId);
  assert.equal(run2.round, 2);
  assert.equal(run2.threadId, run1.threadId, "the same Codex thread");
  assert.equal(commitsSince(repo, base, branch).length, 2);
  return run2;
}

/** Land (merge) into the clean checkout: both commits reach main, the files appear; not twice. */
async function phaseLanded({ stack, repo, taskId }: ReviewContext, [run1, run2]: any[]): Promise<void> {
  const landed = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/land`, {});
  assert.equal(landed.status, 200, landed.text);
  const done = landed.body.data.task;
  assert.equal(done.state, "landed");
  assert.equal(done.landing.method, "merge");
  assert.equal(done.landing.target, "main");
  assert.equal(done.landing.commit, git(repo, "rev-parse", "main").trim());
  for (const commit of [run1.commit, run2.commit]) git(repo, "merge-base", "--is-ancestor", commit, "main");
  assert.equal(readFileSync(join(repo, "hello.txt"), "utf8"), "hi there\n");
  assert.ok(existsSync(join(repo, "second.txt")));
  assert.equal(git(repo, "status", "--porcelain"), "");
  assert.match(
    await (await fetch(`${stack.conductorBase}/metrics`)).text(),
    /^conductor_task_reviews_total\{action="landed"\} 1$/m
  );
  const again = await postJson(`${stack.conductorBase}/v1/tasks/${taskId}/land`, {});
  assert.equal(again.status, 409);
  assert.equal(again.body.error.code, "task_not_landable");
}

test("a task's run is committed, waits in review, is revised on the same thread and lands by merge", async () => {
  const stack = await startTaskStack({ gitAuthor: "Review Bot <bot@example.test>" });
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const base = git(repo, "rev-parse", "HEAD").trim();
    const task = await reviewed(stack, { title: "Say hello", prompt: "WRITE hello.txt hi there", cwd: repo });
    const taskId = task.taskId as string;
    assert.equal(task.baseBranch, "main");
    assert.equal(task.round, 1);
    assert.equal(task.stateReason, "waiting for review");

    const ctx: ReviewContext = { stack, repo, base, taskId, branch: `baa/${taskId}` };
    const run1 = await phaseCommitted(ctx);
    await phaseDiffAndMetrics(ctx, run1);

    const run2 = await phaseRevised(ctx, run1);

    await phaseLanded(ctx, [run1, run2]);
  } finally {
    await stack.stop();
  }
});

test("a land refused for a dirty checkout or a conflict leaves the repository exactly as it was", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const dirtyTask = await reviewed(stack, { title: "b", prompt: "WRITE b.txt bee", cwd: repo });
    const conflictTask = await reviewed(stack, {
      title: "readme",
      prompt: "WRITE README.md from the task",
      cwd: repo
    });

    writeFileSync(join(repo, "README.md"), "a person's unsaved edit\n");
    const before = repoSnapshot(repo);
    const dirty = await postJson(`${stack.conductorBase}/v1/tasks/${dirtyTask.taskId}/land`, {
      method: "merge"
    });
    assert.equal(dirty.status, 409, dirty.text);
    assert.equal(dirty.body.error.code, "target_worktree_dirty");
    assert.equal(repoSnapshot(repo), before, "refs, index and files identical");
    assert.equal((await stack.task(dirtyTask.taskId)).state, "in_review");

    // The person commits their own README change: the task's branch now conflicts with main.
    git(repo, "commit", "-q", "-am", "a person's change");
    const beforeConflict = repoSnapshot(repo);
    const conflict = await postJson(`${stack.conductorBase}/v1/tasks/${conflictTask.taskId}/land`, {
      method: "squash"
    });
    assert.equal(conflict.status, 409, conflict.text);
    assert.equal(conflict.body.error.code, "land_conflict");
    assert.match(conflict.body.error.message, /README\.md/);
    assert.equal(repoSnapshot(repo), beforeConflict, "refs, index and files identical");
    const back = await stack.task(conflictTask.taskId);
    assert.equal(back.state, "in_review");
    assert.match(back.stateReason, /README\.md/);

    // Unknown target and remote are the caller's mistake (400); a discard ends it, branch kept.
    const unknown = await postJson(`${stack.conductorBase}/v1/tasks/${dirtyTask.taskId}/land`, {
      target: "no-such-branch"
    });
    assert.equal(unknown.status, 400, unknown.text);
    assert.equal(unknown.body.error.code, "unknown_target");
    const noRemote = await postJson(`${stack.conductorBase}/v1/tasks/${dirtyTask.taskId}/land`, {
      push: "nowhere"
    });
    assert.equal(noRemote.body.error.code, "unknown_remote");
    const discarded = await postJson(`${stack.conductorBase}/v1/tasks/${conflictTask.taskId}/discard`, {
      reason: "not needed"
    });
    assert.equal(discarded.status, 200, discarded.text);
    assert.equal(discarded.body.data.task.state, "discarded");
    assert.match(git(repo, "branch", "--list", `baa/${conflictTask.taskId}`), /baa\//);
    const late = await postJson(`${stack.conductorBase}/v1/tasks/${conflictTask.taskId}/discard`, {});
    assert.equal(late.body.error.code, "task_not_discardable");

    // Two lands of one task at once: one wins, the other is told a land is under way.
    const both = await Promise.all(
      [1, 2].map(() =>
        postJson(`${stack.conductorBase}/v1/tasks/${dirtyTask.taskId}/land`, { method: "rebase" })
      )
    );
    assert.deepEqual(both.map((r) => r.status).sort(), [200, 409], both.map((r) => r.text).join("\n"));
    assert.ok(
      ["land_in_progress", "task_not_landable"].includes(both.find((r) => r.status === 409)?.body.error.code)
    );
    assert.ok(existsSync(join(repo, "b.txt")));
  } finally {
    await stack.stop();
  }
});

test("review: auto_land lands with no person; review: none ends succeeded as before; no changes ends succeeded", async () => {
  const stack = await startTaskStack();
  stack.model.setDefaultReply(fileWritingModel);
  try {
    const repo = makeGitRepo(stack.dir.path("project"));
    const auto = await stack.createTask({
      ...WORKER,
      title: "auto",
      prompt: "WRITE auto.txt by itself",
      cwd: repo,
      review: "auto_land"
    });
    const autoTask = await stack.waitTask(
      auto.body.data.task.taskId,
      (t) => t.state === "landed" || t.state === "failed",
      "landed"
    );
    assert.equal(autoTask.state, "landed", JSON.stringify(autoTask));
    assert.ok(existsSync(join(repo, "auto.txt")));

    const none = await stack.createTask({
      ...WORKER,
      title: "none",
      prompt: "WRITE none.txt as before",
      cwd: repo,
      review: "none"
    });
    const noneTask = await stack.waitTask(
      none.body.data.task.taskId,
      (t) => t.state === "succeeded" || t.state === "failed",
      "succeeded"
    );
    assert.equal(noneTask.state, "succeeded");
    assert.equal(existsSync(join(repo, "none.txt")), false, "nothing lands without review");
    const [noneRun] = await stack.runs(noneTask.taskId);
    assert.match(noneRun.commit, /^[0-9a-f]{40}$/, "the work is committed all the same");

    const idle = await stack.createTask({ ...WORKER, title: "idle", prompt: "look only", cwd: repo });
    const idleTask = await stack.waitTask(
      idle.body.data.task.taskId,
      (t) => t.state === "succeeded" || t.state === "failed",
      "succeeded"
    );
    assert.equal(idleTask.state, "succeeded");
    assert.equal(idleTask.stateReason, "no changes");
    const [idleRun] = await stack.runs(idleTask.taskId);
    assert.equal(idleRun.commit, null);

    // A task with no cwd works in a scratch directory under the state dir.
    const scratch = await stack.createTask({ ...WORKER, title: "scratch", prompt: "look only" });
    const scratchTask = await stack.waitTask(
      scratch.body.data.task.taskId,
      (t) => t.state === "succeeded",
      "succeeded"
    );
    const [scratchRun] = await stack.runs(scratchTask.taskId);
    assert.equal(scratchRun.workspace.kind, "scratch");
    assert.ok(scratchRun.workspace.path.startsWith(stack.dir.path()), scratchRun.workspace.path);
    const revise = await postJson(`${stack.conductorBase}/v1/tasks/${scratchTask.taskId}/revise`, {
      comment: "more"
    });
    assert.equal(revise.status, 409);
    assert.equal(revise.body.error.code, "task_not_revisable");
  } finally {
    await stack.stop();
  }
});
