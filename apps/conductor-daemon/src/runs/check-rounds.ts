import type { CheckResult } from "@baa/control-store";
import { checkFeedback } from "../checks/check-runner.js";
import type { RunOutcome } from "../scheduler/run-ending.js";

export interface CheckRoundsDeps {
  /** Runs every check once after a turn; `round` counts from 1. */
  runChecks(round: number): Promise<CheckResult[]>;
  /** Sends one more turn on the run's thread and resolves how it ended. */
  runTurn(input: string, round: number, failed: readonly CheckResult[]): Promise<RunOutcome>;
  /** The run's stop (cancel, deadline, lost ownership), once asked for. */
  stopped(): RunOutcome | null;
  /** At most this many check rounds, so at most this many turns. */
  maxRounds: number;
}

/**
 * The check loop (issue 15): after each turn that completed, the repository's checks run; a
 * failure with rounds left goes back to the same thread as the next turn's input, with the
 * failing checks' output; green ends the loop. When the rounds are spent, the outcome names the
 * checks still failing, so the task waits in review with them shown (or fails under
 * `review: none`). Any other outcome (failed, cancelled…) ends the loop as it is.
 */
export async function runCheckRounds(first: RunOutcome, deps: CheckRoundsDeps): Promise<RunOutcome> {
  let outcome = first;
  for (let round = 1; outcome.kind === "completed"; round += 1) {
    const results = await deps.runChecks(round);
    const stop = deps.stopped();
    if (stop !== null) return stop;
    const failed = results.filter((result) => result.status !== "passed");
    if (failed.length === 0) return outcome;
    if (round >= deps.maxRounds) return { ...outcome, failingChecks: failed.map((check) => check.name) };
    outcome = await deps.runTurn(checkFeedback(failed, round, deps.maxRounds), round + 1, failed);
  }
  return outcome;
}
