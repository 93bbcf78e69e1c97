import type { CheckResult, ControlStore, TaskRecord } from "@baa/control-store";
import type { EventInput } from "@baa/event-log";
import type { Logger } from "pino";
import type { Lander } from "../review/lander.js";
import type { TaskBranch } from "../review/task-branch.js";
import { ChecksFailedError, judgeLandFailure, LockLostError, QueueStoppedError } from "./land-failure.js";

/** What the checks on a land's result found. */
export interface TipChecks {
  failed: CheckResult[];
  maxCheckRounds: number;
}

export interface QueueStepDeps {
  store: Pick<ControlStore, "dequeueLand">;
  /** The task's repository and branch (409 task_has_no_branch when it has none on this node). */
  locate(task: TaskRecord): Promise<TaskBranch>;
  lander: Pick<Lander, "land">;
  /** Runs setup and the checks in the land's temporary worktree (config as committed at `targetTip`). */
  checkTip(input: {
    task: TaskRecord;
    repo: string;
    worktree: string;
    targetTip: string;
    signal: AbortSignal;
  }): Promise<TipChecks>;
  /** A revise round on the task's own thread (records `task.revised`, wakes the scheduler). */
  sendBack(taskId: string, comment: string): Promise<unknown>;
  events: { record(input: EventInput): unknown };
  /** Told how each land of a queue head ended (the metrics). */
  onAttempt?: (outcome: LandAttemptOutcome, task: TaskRecord) => void;
  logger: Logger;
}

/**
 * How one land of a queue head ended: `landed`; sent back for a `conflict` or red checks
 * (`checks_failed`); tried again at once (`retry`: the target moved); left in place until the
 * next poll (`wait`); or out of the queue with its reason (`dropped`).
 */
export type LandAttemptOutcome = "landed" | "conflict" | "checks_failed" | "retry" | "wait" | "dropped";

export type StepOutcome = "landed" | "sent_back" | "retry" | "wait" | "dropped";

/** The holder's side of the target lock, as a step needs it. */
export interface HeldLock {
  readonly scope: string;
  confirm(): Promise<boolean>;
}

/**
 * Lands the head of one queue: rebuilt on the target's current tip in a temporary worktree,
 * checked there, the target moved only when green and while the lock is still ours.
 */
export class QueueStep {
  readonly #d: QueueStepDeps;

  constructor(deps: QueueStepDeps) {
    this.#d = deps;
  }

  async land(task: TaskRecord, lock: HeldLock, signal: AbortSignal): Promise<StepOutcome> {
    const entry = task.landQueue;
    if (entry === null) return "dropped";
    let where: TaskBranch;
    try {
      where = await this.#d.locate(task);
    } catch (error) {
      return this.#drop(task, (error as Error).message);
    }
    let maxCheckRounds = 0;
    const verify = async (worktree: string, context: { targetTip: string }) => {
      const checked = await this.#d.checkTip({
        task,
        repo: where.repo,
        worktree,
        targetTip: context.targetTip,
        signal
      });
      maxCheckRounds = checked.maxCheckRounds;
      if (signal.aborted) throw new QueueStoppedError();
      if (checked.failed.length > 0) throw new ChecksFailedError(checked.failed, context.targetTip);
      if (!(await lock.confirm())) throw new LockLostError(lock.scope);
    };
    try {
      await this.#d.lander.land(task, where, { method: entry.method, target: entry.target, verify }, "queue");
      this.#d.onAttempt?.("landed", task);
      return "landed";
    } catch (error) {
      const decision = judgeLandFailure(error, { target: entry.target, round: task.round, maxCheckRounds });
      if (decision.kind === "retry" || decision.kind === "wait") {
        this.#d.onAttempt?.(decision.kind, task);
        this.#d.logger.info(
          {
            taskId: task.taskId,
            target: entry.target,
            decision: decision.kind,
            reason: (error as Error).message
          },
          "queued land not done yet"
        );
        return decision.kind;
      }
      if (decision.kind === "drop") return this.#drop(task, (error as Error).message);
      return this.#sendBack(task, decision.comment, decision.why, error as Error);
    }
  }

  async #sendBack(
    task: TaskRecord,
    comment: string,
    why: "conflict" | "checks",
    error: Error
  ): Promise<StepOutcome> {
    this.#d.onAttempt?.(why === "conflict" ? "conflict" : "checks_failed", task);
    await this.#d.store.dequeueLand(task.taskId);
    this.#d.events.record({
      type: "task.queue_left",
      taskId: task.taskId,
      data: { why, reason: error.message }
    });
    try {
      await this.#d.sendBack(task.taskId, comment);
    } catch (sendError) {
      // Out of the queue all the same: it waits in review with the land's reason.
      this.#d.logger.error(
        { err: sendError, taskId: task.taskId },
        "a task the queue could not land could not be sent back to its thread"
      );
      return "dropped";
    }
    this.#d.logger.info(
      { taskId: task.taskId, why },
      "queued land refused; the task went back to its thread"
    );
    return "sent_back";
  }

  async #drop(task: TaskRecord, reason: string): Promise<StepOutcome> {
    this.#d.onAttempt?.("dropped", task);
    await this.#d.store.dequeueLand(task.taskId);
    this.#d.events.record({ type: "task.queue_left", taskId: task.taskId, data: { why: "refused", reason } });
    this.#d.logger.warn(
      { taskId: task.taskId, reason },
      "the queue could not land a task; it left the queue"
    );
    return "dropped";
  }
}
