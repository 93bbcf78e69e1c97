import assert from "node:assert/strict";
import test from "node:test";
import { TaskGitError } from "@baa/task-git";
import { conductorError } from "../../src/errors.js";
import {
  ChecksFailedError,
  judgeLandFailure,
  LockLostError,
  QueueStoppedError
} from "../../src/land-queue/land-failure.js";

const context = { target: "main", round: 1, maxCheckRounds: 3 };

test("a red check on the tip sends the task back with the check's name and output", () => {
  const failed = [
    {
      name: "unit",
      status: "failed" as const,
      exitCode: 2,
      durationMs: 5,
      outputTail: "expected 1, got 2\n",
      round: 1
    }
  ];
  const decision = judgeLandFailure(new ChecksFailedError(failed, "a".repeat(40)), context);
  assert.equal(decision.kind, "send_back");
  assert.ok(decision.kind === "send_back" && decision.why === "checks");
  assert.match(
    decision.kind === "send_back" ? decision.comment : "",
    /main's current tip \(aaaaaaaaaaaa\)[\s\S]*### unit \(exited 2\)[\s\S]*expected 1, got 2/
  );
});

test("a conflict sends the task back naming each path; without paths it is dropped", () => {
  const cause = new TaskGitError("land_conflict", "baa/t conflicts with the target in a.txt, b/c.ts", {
    paths: ["a.txt", "b/c.ts"]
  });
  const decision = judgeLandFailure(conductorError("land_conflict", cause.message, { cause }), context);
  assert.equal(decision.kind, "send_back");
  assert.match(
    decision.kind === "send_back" ? decision.comment : "",
    /conflicts with main's current tip[\s\S]*- a\.txt\n- b\/c\.ts/
  );
  assert.deepEqual(judgeLandFailure(conductorError("land_conflict", "no merge base"), context), {
    kind: "drop"
  });
});

test("a target moved mid-land is retried; a dirty checkout, a land by hand, a lost lock or a stop wait", () => {
  assert.deepEqual(judgeLandFailure(conductorError("target_moved", "moved"), context), { kind: "retry" });
  for (const code of ["target_worktree_dirty", "land_in_progress", "store_unavailable"] as const) {
    assert.deepEqual(judgeLandFailure(conductorError(code, code), context), { kind: "wait" }, code);
  }
  assert.deepEqual(judgeLandFailure(new LockLostError("land:/r:main"), context), { kind: "wait" });
  assert.deepEqual(judgeLandFailure(new QueueStoppedError(), context), { kind: "wait" });
});

test("what a new round cannot fix leaves the queue", () => {
  assert.deepEqual(judgeLandFailure(conductorError("unknown_target", "gone"), context), { kind: "drop" });
  assert.deepEqual(judgeLandFailure(conductorError("task_not_landable", "running"), context), {
    kind: "drop"
  });
  assert.deepEqual(judgeLandFailure(new Error("git exploded"), context), { kind: "drop" });
});
