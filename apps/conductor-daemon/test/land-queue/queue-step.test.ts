import assert from "node:assert/strict";
import test from "node:test";
import type { CheckResult, TaskRecord } from "@baa/control-store";
import { TaskGitError } from "@baa/task-git";
import pino from "pino";
import { conductorError } from "../../src/errors.js";
import { QueueStep, type QueueStepDeps, type TipChecks } from "../../src/land-queue/queue-step.js";
import type { LandRequest } from "../../src/review/lander.js";

const task = {
  taskId: "task-1",
  round: 1,
  landQueue: { repo: "/r", target: "main", method: "rebase", queuedAt: "t" }
} as TaskRecord;
const RED: CheckResult = {
  name: "unit",
  status: "failed",
  exitCode: 1,
  durationMs: 3,
  outputTail: "1 failing test\n",
  round: 1
};

/** A step whose lander runs the verify hook as landBranch would (or throws `refusal` instead). */
function harness(
  options: { checks?: TipChecks; confirm?: boolean; refusal?: unknown; locate?: () => Promise<never> } = {}
) {
  const seen = {
    dequeued: [] as string[],
    sentBack: [] as Array<[string, string]>,
    events: [] as string[],
    landed: 0,
    checkedOn: [] as string[],
    request: null as LandRequest | null
  };
  const deps: QueueStepDeps = {
    store: { dequeueLand: async (id) => (seen.dequeued.push(id), true) },
    locate:
      options.locate ??
      (async () => ({ repo: "/r", branch: "baa/task-1", baseBranch: "main", baseRef: "main" })),
    lander: {
      land: async (_task, _where, request) => {
        seen.request = request;
        if (options.refusal !== undefined) throw options.refusal;
        await request.verify?.("/tmp/.land-x", { targetTip: "f".repeat(40), result: "e".repeat(40) });
        seen.landed += 1;
        return task;
      }
    },
    checkTip: async (input) => {
      seen.checkedOn.push(`${input.worktree}@${input.targetTip.slice(0, 4)}`);
      return options.checks ?? { failed: [], maxCheckRounds: 3 };
    },
    sendBack: async (id, comment) => void seen.sentBack.push([id, comment]),
    events: { record: (input) => void seen.events.push(input.type) },
    logger: pino({ level: "silent" })
  };
  const lock = {
    scope: "land:/r:main",
    confirms: 0,
    confirm: async () => {
      lock.confirms += 1;
      return options.confirm ?? true;
    }
  };
  return { step: new QueueStep(deps), seen, lock };
}

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
