// How a task and its runs read for a person: runs and failed attempts named so they agree,
// where the work is (worktree, branch, run folder), where it went, and what to do next.
import assert from "node:assert/strict";
import test from "node:test";
import { describeRun, describeTask } from "../src/commands/task-views.js";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, runBaa } from "./fake-conductor.js";
import { runDoc, taskDoc } from "./task-fixtures.js";

test("a task in review: runs, round, failed attempts, cwd and base branch, the run table, the last run's worktree, the hint", () => {
  const text = describeTask(taskDoc(), [runDoc()]);
  assert.equal(
    text,
    [
      "task task-1: Add hello",
      "state in_review  priority 0  review default",
      "runs 1 · round 1 · failed attempts 0 of 3",
      "created 2025-01-01T00:00:00.000Z",
      "cwd /work/proj  base branch main",
      "RUN    #  ROUND  STATE      COMMIT      OWNER   REASON",
      "run-1  1  1      succeeded  abcdef0123  node-a",
      "last run run-1 of task task-1 · #1 · round 1 · succeeded · commit abcdef0123",
      "  worktree /state/worktrees/task-1  branch baa/task-1  base 1111111111",
      "final message: wrote hello.txt",
      'next: baa tasks diff task-1 · baa tasks land task-1 · baa tasks revise task-1 -m "…" · baa tasks discard task-1'
    ].join("\n")
  );
  assert.doesNotMatch(text, /attempts spent/);
});

test("a landed, revised task: the comment, the landing and its pull request; no hint once ended", () => {
  const task = taskDoc({
    state: "landed",
    round: 2,
    roundInput: "also handle the empty case",
    endedAt: "2025-01-01T04:00:00.000Z",
    landing: {
      method: "merge",
      target: "main",
      commit: "7777777777eeee",
      remote: null,
      pullRequest: null,
      landedAt: "2025-01-01T04:00:00.000Z"
    }
  });
  const text = describeTask(task, [runDoc(), runDoc({ runId: "run-2", attempt: 2, round: 2, commit: null })]);
  assert.match(text, /^revised with: also handle the empty case$/m);
  assert.match(text, /^landed merge into main at 7777777777 \(2025-01-01T04:00:00\.000Z\)$/m);
  assert.match(text, /^run-2 {2}2 {2}2 {6}succeeded {2}-/m);
  assert.match(text, /^last run run-2 of task task-1 · #2 · round 2 · succeeded · no commit$/m);
  assert.doesNotMatch(text, /next: /);
});

test("a push whose pull request failed is still shown; a scratch task says so; a run folder is shown when known", () => {
  const task = taskDoc({
    state: "in_review",
    cwd: null,
    baseBranch: null,
    push: {
      remote: "origin",
      branch: "baa/task-1",
      commit: "5555555555ffff",
      pushedAt: "2025-01-01T05:00:00.000Z"
    }
  });
  const text = describeTask(task, []);
  assert.match(text, /^cwd \(none: a scratch dir of its own\)$/m);
  assert.match(text, /^pushed baa\/task-1 to origin at 5555555555 \(2025-01-01T05:00:00\.000Z\)$/m);
  const run = describeRun(
    runDoc({
      workspace: { kind: "scratch", path: "/state/scratch/task-1", branch: null },
      commit: null,
      folder: "/srv/runs/run-1"
    })
  );
  assert.deepEqual(run, [
    "run run-1 of task task-1 · #1 · round 1 · succeeded · no commit",
    "  scratch dir /state/scratch/task-1",
    "  run folder /srv/runs/run-1"
  ]);
});

test("a task from a conductor without the review fields still reads", () => {
  const {
    review: _r,
    round: _o,
    baseBranch: _b,
    roundInput: _i,
    landing: _l,
    push: _p,
    ...old
  } = taskDoc({ state: "succeeded" });
  const { round: _x, commit: _c, ...oldRun } = runDoc();
  const text = describeTask(old, [oldRun]);
  assert.match(text, /^state succeeded {2}priority 0$/m);
  assert.match(text, /^runs 1 · failed attempts 0 of 3$/m);
  assert.match(text, /^last run run-1 of task task-1 · #1 · succeeded$/m);
});

test("tasks show and logs --run use these views", async () => {
  const fake = await fakeConductor({
    "GET /v1/tasks/task-1": ok({ task: taskDoc() }),
    "GET /v1/tasks/task-1/runs": ok({ runs: [runDoc()] }),
    "GET /v1/runs/run-1": ok({ run: runDoc() }),
    "GET /v1/runs/run-1/events?limit=200": ok({ events: [], nextAfter: null })
  });
  try {
    const shown = await runBaa(["tasks", "show", "task-1"], { base: fake.base });
    assert.equal(shown.code, ExitCode.ok, shown.stderr);
    assert.equal(shown.stdout, `${describeTask(taskDoc(), [runDoc()])}\n`);
    const logs = await runBaa(["logs", "--run", "run-1"], { base: fake.base });
    assert.match(
      logs.stdout,
      /^run run-1 of task task-1 · #1 · round 1 · succeeded · commit abcdef0123\n {2}worktree \/state\/worktrees\/task-1 {2}branch baa\/task-1/
    );
  } finally {
    await fake.close();
  }
});
