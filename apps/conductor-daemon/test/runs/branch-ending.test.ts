import assert from "node:assert/strict";
import test from "node:test";
import type { RunEnding, RunWorkspace, TaskRecord } from "@baa/control-store";
import { createSilentLogger } from "../../src/logger.js";
import { settleBranch } from "../../src/runs/branch-ending.js";
import type { RunBranch } from "../../src/runs/run-branch.js";

const worktree: RunWorkspace = {
  kind: "worktree",
  path: "/wt/task-1",
  branch: "baa/task-1",
  baseCommit: "b".repeat(40),
  baseBranch: "main"
};
const task = (review: TaskRecord["review"] = null) =>
  ({ taskId: "task-1", title: "t", review }) as TaskRecord;
const succeeded: RunEnding = { runState: "succeeded", taskState: "succeeded", spendAttempt: false };
const failed: RunEnding = { runState: "failed", taskState: "queued", reason: "boom", spendAttempt: true };

function branch(options: { commit?: string | null; changed?: boolean; commitFails?: boolean } = {}) {
  const calls: string[] = [];
  const fake: RunBranch = {
    async commit() {
      calls.push("commit");
      if (options.commitFails) throw new Error("disk full");
      return options.commit === undefined ? "c".repeat(40) : options.commit;
    },
    async commitPatch() {
      calls.push("patch");
      return "diff --git a/x b/x";
    },
    async hasChanges() {
      calls.push("changes");
      return options.changed ?? true;
    }
  };
  return { fake, calls };
}

const log = createSilentLogger();

test("a successful worktree run with changes waits in review under the default policy", async () => {
  const { fake } = branch();
  const out = await settleBranch(fake, task(), "run-1", worktree, succeeded, log);
  assert.equal(out.ending.taskState, "in_review");
  assert.equal(out.ending.reason, "waiting for review");
  assert.equal(out.ending.commit, "c".repeat(40));
  assert.equal(out.patch, "diff --git a/x b/x");
});

test("review none ends succeeded; no changes on the branch ends succeeded 'no changes'; auto_land goes to review first", async () => {
  assert.equal(
    (await settleBranch(branch().fake, task("none"), "run-1", worktree, succeeded, log)).ending.taskState,
    "succeeded"
  );
  const idle = await settleBranch(
    branch({ commit: null, changed: false }).fake,
    task(),
    "run-1",
    worktree,
    succeeded,
    log
  );
  assert.deepEqual(
    [idle.ending.taskState, idle.ending.reason, idle.commit, idle.patch],
    ["succeeded", "no changes", null, null]
  );
  const auto = await settleBranch(branch().fake, task("auto_land"), "run-1", worktree, succeeded, log);
  assert.deepEqual([auto.ending.taskState, auto.ending.reason], ["in_review", "landing automatically"]);
});

test("every end commits: a failed run's work is on the branch and its ending is unchanged", async () => {
  const { fake, calls } = branch();
  const out = await settleBranch(fake, task(), "run-1", worktree, failed, log);
  assert.deepEqual(calls, ["commit", "patch"]);
  assert.equal(out.ending.taskState, "queued");
  assert.equal(out.ending.commit, "c".repeat(40));
});

test("a commit that fails fails a run that succeeded (its work would sit unrecorded), spending no attempt", async () => {
  const out = await settleBranch(
    branch({ commitFails: true }).fake,
    task(),
    "run-1",
    worktree,
    succeeded,
    log
  );
  assert.equal(out.ending.runState, "failed");
  assert.equal(out.ending.taskState, "failed");
  assert.match(out.ending.reason ?? "", /could not be committed.*disk full/);
  assert.equal(out.ending.spendAttempt, false);
});

test("a run outside a worktree touches no branch", async () => {
  const { fake, calls } = branch();
  const scratch: RunWorkspace = { kind: "scratch", path: "/s/task-1", branch: null, baseCommit: null };
  const out = await settleBranch(fake, task(), "run-1", scratch, succeeded, log);
  assert.deepEqual(calls, []);
  assert.equal(out.ending.taskState, "succeeded");
});
