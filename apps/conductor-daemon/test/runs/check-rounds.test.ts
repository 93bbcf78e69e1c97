import assert from "node:assert/strict";
import test from "node:test";
import type { CheckResult } from "@baa/control-store";
import { runCheckRounds } from "../../src/runs/check-rounds.js";
import type { RunOutcome } from "../../src/scheduler/run-ending.js";

const completed: RunOutcome = { kind: "completed", finalMessage: "done", usage: null };
const result = (name: string, status: CheckResult["status"], round: number): CheckResult => ({
  name,
  status,
  exitCode: status === "passed" ? 0 : 1,
  durationMs: 5,
  outputTail: `${name} says ${status}`,
  round
});

function scripted(rounds: Array<Array<[string, CheckResult["status"]]>>, maxRounds = 3) {
  const turns: Array<{ input: string; round: number }> = [];
  const checked: number[] = [];
  return {
    turns,
    checked,
    deps: {
      maxRounds,
      async runChecks(round: number) {
        checked.push(round);
        return (rounds[round - 1] ?? []).map(([name, status]) => result(name, status, round));
      },
      async runTurn(input: string, round: number) {
        turns.push({ input, round });
        return completed;
      },
      stopped: () => null
    }
  };
}

test("green after the first turn: one check round, no further turn", async () => {
  const run = scripted([
    [
      ["lint", "passed"],
      ["test", "passed"]
    ]
  ]);
  assert.deepEqual(await runCheckRounds(completed, run.deps), completed);
  assert.deepEqual(run.checked, [1]);
  assert.deepEqual(run.turns, []);
});

test("a failure goes back as the next turn with the failing checks' output, until green", async () => {
  const run = scripted([
    [
      ["lint", "passed"],
      ["test", "failed"]
    ],
    [
      ["lint", "passed"],
      ["test", "passed"]
    ]
  ]);
  const outcome = await runCheckRounds(completed, run.deps);
  assert.equal(outcome.kind, "completed");
  assert.equal((outcome as { failingChecks?: string[] }).failingChecks, undefined);
  assert.equal(run.turns.length, 1);
  assert.equal(run.turns[0]?.round, 2);
  assert.match(run.turns[0]?.input ?? "", /check round 1 of 3/);
  assert.match(run.turns[0]?.input ?? "", /### test \(exited 1\)[\s\S]*test says failed/);
  assert.doesNotMatch(run.turns[0]?.input ?? "", /lint says/);
});

test("rounds spent: the outcome names the checks still failing", async () => {
  const red: Array<[string, CheckResult["status"]]> = [["test", "timed_out"]];
  const run = scripted([red, red], 2);
  const outcome = await runCheckRounds(completed, run.deps);
  assert.deepEqual((outcome as { failingChecks?: string[] }).failingChecks, ["test"]);
  assert.deepEqual(run.checked, [1, 2]);
  assert.equal(run.turns.length, 1);
  assert.match(run.turns[0]?.input ?? "", /timed out after 5 ms/);
});

test("a turn that did not complete ends the loop as it is; a stop wins over the checks", async () => {
  const failed: RunOutcome = { kind: "failed", message: "model error" };
  const run = scripted([[["test", "failed"]]]);
  assert.deepEqual(await runCheckRounds(failed, run.deps), failed);
  assert.deepEqual(run.checked, []);
  const stop: RunOutcome = { kind: "cancelled", reason: "by request" };
  const stopping = scripted([[["test", "failed"]]]);
  assert.deepEqual(await runCheckRounds(completed, { ...stopping.deps, stopped: () => stop }), stop);
  assert.deepEqual(stopping.turns, []);
});
