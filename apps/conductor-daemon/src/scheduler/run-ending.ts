import type { RunEnding, TaskRecord } from "@baa/control-store";
import { retryDelayMs, type RetryPolicy } from "./retry-policy.js";
import { quotaPauseUntil, type QuotaPausePolicy } from "./usage-limit-reset.js";

/** How a run's turn (or the work around it) came to an end, as the executor saw it. */
export type RunOutcome =
  /** The turn completed. */
  | { kind: "completed"; finalMessage: string | null; usage: unknown; failingChecks?: string[] }
  /** The turn failed (codex's `turn.error`), or codexd refused the task's session or turn (4xx). */
  | { kind: "failed"; message: string; codexErrorInfo?: unknown; usage?: unknown }
  /** The account's usage limit: `usageLimitExceeded`. */
  | { kind: "usage_limit"; message: string }
  /** We interrupted the turn: a cancel request, the task's deadline, or no event for stallTimeoutMs. */
  | { kind: "cancelled" | "timed_out" | "stalled"; reason: string; usage?: unknown }
  /** The turn ended interrupted by something else (codexd restarted, the session was closed). */
  | { kind: "interrupted"; reason: string }
  /** codexd could not be reached or failed (5xx): not the task's doing. */
  | { kind: "unavailable"; reason: string }
  /** The conductor is stopping; the run goes back to the queue. */
  | { kind: "abandoned"; reason: string };

export interface EndingPolicy {
  retry: RetryPolicy;
  quota: QuotaPausePolicy;
}

/** The fenced write that ends a run, plus a quota pause to set when the usage limit was hit. */
export interface EndingDecision {
  ending: RunEnding;
  /** ISO time until which nothing may be claimed. */
  quotaPauseUntil?: string;
}

/**
 * Pure: what a run's outcome does to the run and its task. Invariant 6 of the control plane:
 * only runs that failed by the task's own doing spend an attempt (failed, stalled, timed out);
 * a usage limit, an unreachable codexd or a stopping conductor send the task back unspent.
 */
export function decideRunEnding(
  task: EndingTask,
  outcome: RunOutcome,
  nowMs: number,
  policy: EndingPolicy
): EndingDecision {
  const retryOrFail = (runState: "failed" | "stalled", reason: string, usage?: unknown): EndingDecision =>
    retryOrFailAttempt(task, nowMs, policy, { runState, reason, usage });

  switch (outcome.kind) {
    case "completed":
      return {
        ending: {
          runState: "succeeded",
          taskState: "succeeded",
          finalMessage: outcome.finalMessage,
          usage: outcome.usage ?? null,
          spendAttempt: false
        }
      };
    case "failed":
      return retryOrFail("failed", outcome.message, outcome.usage);
    case "stalled":
      return retryOrFail("stalled", outcome.reason, outcome.usage);
    case "interrupted":
      return retryOrFail("failed", outcome.reason);
    case "cancelled":
      return {
        ending: {
          runState: "cancelled",
          taskState: "cancelled",
          reason: outcome.reason,
          usage: outcome.usage ?? null,
          spendAttempt: false
        }
      };
    case "timed_out":
      return {
        ending: {
          runState: "timed_out",
          taskState: "timed_out",
          reason: outcome.reason,
          usage: outcome.usage ?? null,
          spendAttempt: true
        }
      };
    case "usage_limit": {
      const until = new Date(quotaPauseUntil(outcome.message, nowMs, policy.quota)).toISOString();
      return {
        ending: {
          runState: "deferred",
          taskState: "queued",
          reason: outcome.message,
          notBefore: null,
          spendAttempt: false
        },
        quotaPauseUntil: until
      };
    }
    case "unavailable":
      return retryUnspent(task, outcome.reason, nowMs, policy);
    case "abandoned":
      return {
        ending: {
          runState: "abandoned",
          taskState: "queued",
          reason: outcome.reason,
          notBefore: null,
          spendAttempt: false
        }
      };
  }
}

/** What of the task decides its ending: the attempts it spent and may spend, and its runs. */
type EndingTask = Pick<TaskRecord, "attemptsSpent" | "maxAttempts"> & Partial<Pick<TaskRecord, "runCount">>;

/** The run spends an attempt: the task is queued again after the retry delay, or fails at the last. */
function retryOrFailAttempt(
  task: EndingTask,
  nowMs: number,
  policy: EndingPolicy,
  run: { runState: "failed" | "stalled"; reason: string; usage?: unknown }
): EndingDecision {
  const { runState, reason, usage } = run;
  const spent = task.attemptsSpent + 1;
  const base = { runState, reason, usage: usage ?? null, spendAttempt: true } as const;
  if (spent < task.maxAttempts) {
    const notBefore = new Date(nowMs + retryDelayMs(policy.retry, spent)).toISOString();
    return { ending: { ...base, taskState: "queued", notBefore } };
  }
  return {
    ending: { ...base, taskState: "failed", reason: `${reason} (attempt ${spent} of ${task.maxAttempts})` }
  };
}

/** codexd unavailable: the task goes back unspent, after a delay that grows with such runs. */
function retryUnspent(task: EndingTask, reason: string, nowMs: number, policy: EndingPolicy): EndingDecision {
  // Spends no attempt, so the wait must grow instead: a codexd that stays down would
  // otherwise have the task claimed and failed again every base delay. The runs that spent
  // nothing (this one included) count the tries.
  const unspent = Math.max(1, (task.runCount ?? 1) - task.attemptsSpent);
  return {
    ending: {
      runState: "failed",
      taskState: "queued",
      reason,
      notBefore: new Date(nowMs + retryDelayMs(policy.retry, unspent)).toISOString(),
      spendAttempt: false
    }
  };
}
