import assert from "node:assert/strict";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import type { CheckResult, TaskRecord } from "@baa/control-store";
import { TaskGitError } from "@baa/task-git";
import pino from "pino";
import { Registry } from "prom-client";
import { conductorError } from "../../src/errors.js";
import {
  LandQueueProcessor,
  type LandQueueProcessorDeps
} from "../../src/land-queue/land-queue-processor.js";
import { registerLandQueueMetrics } from "../../src/metrics/land-queue-metrics.js";
import { sample } from "../helpers/metric-text.js";
import { QUEUED_TASK_LANDS_AT, queuedTask as task, queueStepHarness, RED } from "./queue-step-harness.js";

function metrics() {
  const registry = new Registry();
  return { registry, counts: registerLandQueueMetrics(registry, { wallNow: () => QUEUED_TASK_LANDS_AT }) };
}

/** One land of the queued task through a QueueStep counting into `counts`; the lander refuses with `refusal`. */
async function land(
  counts: ReturnType<typeof registerLandQueueMetrics>,
  options: { refusal?: unknown; failed?: CheckResult[]; confirm?: boolean; noBranch?: boolean } = {}
) {
  const { step, lock } = queueStepHarness({
    checks: { failed: options.failed ?? [], maxCheckRounds: 3 },
    ...(options.confirm === undefined ? {} : { confirm: options.confirm }),
    ...(options.refusal === undefined ? {} : { refusal: options.refusal }),
    ...(options.noBranch === true
      ? { locate: async () => Promise.reject(conductorError("task_has_no_branch", "no branch")) }
      : {}),
    onAttempt: counts.attempt
  });
  return step.land(task, lock, new AbortController().signal);
}

test("each land of a queue head is counted once by its outcome; a landed one is timed from its queuedAt", async () => {
  const { registry, counts } = metrics();
  const attempts = (outcome: string) => sample(registry, "conductor_land_queue_attempts_total", { outcome });
  assert.equal(await attempts("landed"), 0, "every outcome is there before the first land");

  assert.equal(await land(counts), "landed");
  assert.equal(await land(counts, { failed: [RED] }), "sent_back");
  const cause = new TaskGitError("land_conflict", "conflicts in a.txt", { paths: ["a.txt"] });
  assert.equal(
    await land(counts, { refusal: conductorError("land_conflict", cause.message, { cause }) }),
    "sent_back"
  );
  assert.equal(await land(counts, { refusal: conductorError("target_moved", "main moved") }), "retry");
  assert.equal(await land(counts, { confirm: false }), "wait");
  assert.equal(await land(counts, { noBranch: true }), "dropped");

  for (const outcome of ["landed", "checks_failed", "conflict", "retry", "wait", "dropped"])
    assert.equal(await attempts(outcome), 1, outcome);
  assert.equal(await sample(registry, "conductor_land_queue_time_to_land_seconds_count"), 1, "landed only");
  assert.equal(await sample(registry, "conductor_land_queue_time_to_land_seconds_sum"), 90);
  assert.equal(await sample(registry, "conductor_land_queue_time_to_land_seconds_bucket", { le: "60" }), 0);
  assert.equal(await sample(registry, "conductor_land_queue_time_to_land_seconds_bucket", { le: "120" }), 1);
});

test("the queue length is what the processor's pass listed", async () => {
  const { registry, counts } = metrics();
  const queued = ["a", "b", "c"].map(
    (taskId) => ({ ...task, taskId, landQueue: { ...task.landQueue, repo: "/elsewhere" } }) as TaskRecord
  );
  const processor = new LandQueueProcessor({
    store: { listLandQueue: async () => queued } as unknown as LandQueueProcessorDeps["store"],
    nodeId: "n",
    timers: new ManualTimers(),
    pollIntervalMs: 100,
    lockTtlMs: 3_000,
    // Another node's repository: listed, never locked or landed here.
    hasRepo: () => false,
    step: { land: async () => assert.fail("nothing lands here") },
    onQueueLength: counts.length,
    logger: pino({ level: "silent" })
  });
  assert.equal(await sample(registry, "conductor_land_queue_length"), 0);
  processor.start();
  await processor.stop();
  assert.equal(await sample(registry, "conductor_land_queue_length"), 3);
  // Entering the queue is counted through the task engine: test/tasks/task-engine-land-queue.test.ts.
});
