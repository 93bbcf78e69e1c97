import type { RunWorkspace } from "@baa/control-store";
import { effectiveReview } from "../review/review-policy.js";
import { decideRunEnding, type RunOutcome } from "../scheduler/run-ending.js";
import { settleBranch } from "./branch-ending.js";
import { publishBranch } from "./branch-publish.js";
import type { RunContext, RunStore } from "./run-deps.js";

/** What the end of a run reads of it as it is now; it changes on the way. */
export interface EndingState {
  readonly workspace: RunWorkspace | null;
  readonly sessionId: string | null;
  /** The last final message an event carried (a completed outcome carries its own). */
  readonly finalMessage: string | null;
  readonly usage: unknown;
  readonly fencedOut: boolean;
  /** The last event's time when the last progress write has not recorded it yet, else null. */
  readonly unwrittenLastEventAt: string | null;
}

export interface EndingRun extends RunContext {
  /** Read afresh at each step: a progress check still in flight may fence the run out meanwhile. */
  current(): EndingState;
  writeMeta(state: string, ended: Record<string, unknown> | null): void;
  after(ms: number, run: () => void): unknown;
}

/**
 * The end of a run (control-plane.md, "Run lifecycle"): the ending decided, the branch
 * committed and pushed, the fenced end write, the usage-limit pause, the run folder, the
 * worker session closed.
 */
export async function endRun(run: EndingRun, outcome: RunOutcome): Promise<void> {
  const { deps, task, log } = run;
  const now = deps.timers.wallNow();
  const failingChecks = outcome.kind === "completed" ? (outcome.failingChecks ?? []) : [];
  // Under review: none nobody would look at failing checks: the run failed (and may retry).
  const ended =
    failingChecks.length > 0 && effectiveReview(task, run.current().workspace) === "none"
      ? {
          kind: "failed" as const,
          message: `checks still failing after the last check round: ${failingChecks.join(", ")}`,
          usage: run.current().usage
        }
      : outcome;
  const decided = decideRunEnding(task, ended, now, deps.policy);
  const quotaPauseUntil = decided.quotaPauseUntil;
  const settled = await settleBranch(
    deps.branch,
    task,
    run.fence.runId,
    run.current().workspace,
    decided.ending,
    log,
    failingChecks
  );
  const ending = settled.ending;
  if (settled.patch !== null) run.folder.writeDiff(settled.patch);
  // Before the end write: a next round, on any node, must find this one's commit on the remote.
  const pushed = run.current().fencedOut
    ? null
    : await publishBranch(deps.branch, run.current().workspace, log);
  if (pushed !== null) run.record(pushed);
  // The last progress write may be up to runProgressMs behind the run's last event.
  const lastEventAt = run.current().unwrittenLastEventAt;
  if (lastEventAt !== null) await run.update({ lastEventAt });
  const finalMessage = outcome.kind === "completed" ? outcome.finalMessage : run.current().finalMessage;
  if (finalMessage !== null) run.folder.writeFinalMessage(finalMessage);
  if (run.current().usage !== null) run.folder.writeUsage(run.current().usage);
  const written = await finishWithRetries(run, { ...ending, finalMessage, usage: run.current().usage });
  if (quotaPauseUntil !== undefined && written) {
    await deps.quota
      .setQuotaPause(quotaPauseUntil, ending.reason ?? "usage limit reached")
      .catch((error: unknown) => {
        log.error({ err: error }, "could not record the usage-limit pause");
      });
  }
  const outcomeData = {
    state: ending.runState,
    taskState: ending.taskState,
    reason: ending.reason ?? null,
    commit: settled.commit
  };
  run.record({
    type: "run.ended",
    data: { ...outcomeData, written, ...(quotaPauseUntil === undefined ? {} : { quotaPauseUntil }) }
  });
  const inReview = written && ending.taskState === "in_review";
  if (inReview) {
    run.record({
      type: "task.in_review",
      data: { round: task.round, commit: settled.commit, branch: run.current().workspace?.branch ?? null }
    });
  }
  run.writeMeta(ending.runState, {
    taskState: ending.taskState,
    reason: ending.reason ?? null,
    written,
    endedAt: new Date(now).toISOString(),
    commit: settled.commit
  });
  run.folder.close();
  await closeSession(run);
  log.info(
    { state: ending.runState, taskState: ending.taskState, reason: ending.reason, commit: settled.commit },
    "run ended"
  );
  if (inReview) deps.onInReview?.(task, { checksFailing: failingChecks.length > 0 });
}

async function closeSession(run: EndingRun): Promise<void> {
  const sessionId = run.current().sessionId;
  if (sessionId === null) return;
  await run.deps.codexd.closeSession(sessionId).catch((error: unknown) => {
    run.log.warn({ err: error, sessionId }, "could not close the worker session");
  });
}

/** The fenced end write, tried again while the store fails; false when it wrote nothing. */
async function finishWithRetries(
  run: EndingRun,
  ending: Parameters<RunStore["finishRun"]>[1]
): Promise<boolean> {
  const { deps, fence, log } = run;
  for (let attempt = 1; ; attempt += 1) {
    try {
      const written = await deps.store.finishRun(fence, ending);
      if (!written) {
        deps.onStaleWrite?.("finish");
        log.warn({ term: fence.term, state: ending.runState }, "stale end-of-run write changed nothing");
      }
      return written;
    } catch (error) {
      if (attempt >= deps.settings.finishAttempts) {
        log.error(
          { err: error },
          "could not record the end of the run; the scheduler's recovery pass will end it"
        );
        return false;
      }
      log.warn({ err: error, attempt }, "end-of-run write failed; trying again");
      await new Promise<void>((resolve) => run.after(deps.settings.finishRetryMs, resolve));
    }
  }
}

/** The run's meta.json: the task's settings, the claim, and what the run has got so far. */
export function writeRunMeta(
  run: RunContext,
  got: {
    sessionId: string | null;
    threadId: string | null;
    turnId: string | null;
    workspace: RunWorkspace | null;
  },
  state: string,
  ended: Record<string, unknown> | null
): void {
  const { task, fence } = run;
  try {
    run.folder.writeMeta({
      runId: fence.runId,
      taskId: task.taskId,
      title: task.title,
      attempt: run.attempt,
      round: task.round,
      owner: fence.owner,
      term: fence.term,
      state,
      startedAt: run.startedAt,
      ...got,
      cwd: task.cwd,
      model: task.model,
      approvalPolicy: task.approvalPolicy,
      sandbox: task.sandbox,
      ...(ended ?? {})
    });
  } catch (error) {
    run.log.error({ err: error }, "could not write the run's meta.json");
  }
}
