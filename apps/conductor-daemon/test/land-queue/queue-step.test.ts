import assert from "node:assert/strict";
import test from "node:test";
import { TaskGitError } from "@baa/task-git";
import { conductorError } from "../../src/errors.js";
import { queuedTask as task, queueStepHarness as harness, RED } from "./queue-step-harness.js";

test("green on the tip: the queue's method and target, checks in the land's worktree, the lock confirmed last", async () => {
  const { step, seen, lock } = harness();
  assert.equal(await step.land(task, lock, new AbortController().signal), "landed");
  assert.deepEqual([seen.request?.method, seen.request?.target], ["rebase", "main"]);
  assert.deepEqual(seen.checkedOn, ["/tmp/.land-x@ffff"]);
  assert.equal(lock.confirms, 1);
  assert.deepEqual([seen.landed, seen.dequeued, seen.sentBack], [1, [], []]);
});

test("red on the tip: nothing lands, the task leaves the queue and gets the check output on its thread", async () => {
  const { step, seen, lock } = harness({ checks: { failed: [RED], maxCheckRounds: 3 } });
  assert.equal(await step.land(task, lock, new AbortController().signal), "sent_back");
  assert.equal(seen.landed, 0);
  assert.equal(lock.confirms, 0, "a red result never asks for the lock");
  assert.deepEqual(seen.dequeued, ["task-1"]);
  assert.equal(seen.sentBack.length, 1);
  assert.match(seen.sentBack[0]![1], /### unit \(exited 1\)[\s\S]*1 failing test/);
  assert.deepEqual(seen.events, ["task.queue_left"]);
});

test("a conflict sends the task back naming the paths; the rest of the queue goes on", async () => {
  const cause = new TaskGitError("land_conflict", "conflicts in shared.txt", { paths: ["shared.txt"] });
  const { step, seen, lock } = harness({
    refusal: conductorError("land_conflict", cause.message, { cause })
  });
  assert.equal(await step.land(task, lock, new AbortController().signal), "sent_back");
  assert.match(seen.sentBack[0]![1], /- shared\.txt/);
  assert.deepEqual(seen.dequeued, ["task-1"]);
});

test("the lock lost before the target moves: nothing lands and the entry keeps its place", async () => {
  const { step, seen, lock } = harness({ confirm: false });
  assert.equal(await step.land(task, lock, new AbortController().signal), "wait");
  assert.deepEqual([seen.landed, seen.dequeued, seen.sentBack], [0, [], []]);
});

test("a stop during the checks is not a red check: the entry waits", async () => {
  const { step, seen, lock } = harness({ checks: { failed: [RED], maxCheckRounds: 3 } });
  const abort = new AbortController();
  abort.abort();
  assert.equal(await step.land(task, lock, abort.signal), "wait");
  assert.deepEqual([seen.dequeued, seen.sentBack], [[], []]);
});

test("a target moved mid-land is retried; a task without a branch leaves the queue", async () => {
  const moved = harness({ refusal: conductorError("target_moved", "main moved") });
  assert.equal(await moved.step.land(task, moved.lock, new AbortController().signal), "retry");
  assert.deepEqual(moved.seen.dequeued, []);
  const gone = harness({
    locate: async () => Promise.reject(conductorError("task_has_no_branch", "no branch"))
  });
  assert.equal(await gone.step.land(task, gone.lock, new AbortController().signal), "dropped");
  assert.deepEqual([gone.seen.dequeued, gone.seen.sentBack], [["task-1"], []]);
});
