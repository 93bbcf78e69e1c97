import type { CheckResult, TaskRecord } from "@baa/control-store";
import pino from "pino";
import { QueueStep, type QueueStepDeps, type TipChecks } from "../../src/land-queue/queue-step.js";
import type { LandRequest } from "../../src/review/lander.js";

/** The queue head the steps land: queued on /r's main, 90 s before QUEUED_TASK_LANDS_AT. */
export const queuedTask = {
  taskId: "task-1",
  round: 1,
  landQueue: { repo: "/r", target: "main", method: "rebase", queuedAt: "2030-01-01T00:08:30.000Z" }
} as TaskRecord;

/** The wall-clock ms a step's land happens at (for the time-to-land metric). */
export const QUEUED_TASK_LANDS_AT = Date.parse("2030-01-01T00:10:00.000Z");

/** A check that failed on the tip. */
export const RED: CheckResult = {
  name: "unit",
  status: "failed",
  exitCode: 1,
  durationMs: 3,
  outputTail: "1 failing test\n",
  round: 1
};

/**
 * A step whose lander runs the verify hook as landBranch would (or throws `refusal` instead),
 * recording what it was asked in `seen`; `lock` is the target lock it confirms before the land.
 */
export function queueStepHarness(
  options: {
    checks?: TipChecks;
    confirm?: boolean;
    refusal?: unknown;
    locate?: () => Promise<never>;
    onAttempt?: QueueStepDeps["onAttempt"];
  } = {}
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
        return queuedTask;
      }
    },
    checkTip: async (input) => {
      seen.checkedOn.push(`${input.worktree}@${input.targetTip.slice(0, 4)}`);
      return options.checks ?? { failed: [], maxCheckRounds: 3 };
    },
    sendBack: async (id, comment) => void seen.sentBack.push([id, comment]),
    events: { record: (input) => void seen.events.push(input.type) },
    ...(options.onAttempt === undefined ? {} : { onAttempt: options.onAttempt }),
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
