import assert from "node:assert/strict";
import test from "node:test";
import { decideRunEnding, type EndingPolicy, type RunOutcome } from "../../src/scheduler/run-ending.js";
import { retryDelayMs } from "../../src/scheduler/retry-policy.js";

const policy: EndingPolicy = {
  retry: { baseMs: 1000, maxMs: 8000 },
  quota: { fallbackMs: 60_000, minMs: 1000, maxMs: 86_400_000 }
};
const NOW = Date.parse("2026-03-01T10:00:00Z");

test("retry delays double per failure up to the cap", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 40].map((n) => retryDelayMs(policy.retry, n)),
    [1000, 2000, 4000, 8000, 8000, 8000]
  );
  assert.equal(retryDelayMs(policy.retry, 0), 1000);
});

test("completed succeeds and spends nothing", () => {
  const { ending } = decideRunEnding(
    { attemptsSpent: 0, maxAttempts: 3 },
    { kind: "completed", finalMessage: "ok", usage: { total: 3 } },
    NOW,
    policy
  );
  assert.deepEqual(ending, {
    runState: "succeeded",
    taskState: "succeeded",
    finalMessage: "ok",
    usage: { total: 3 },
    spendAttempt: false
  });
});

test("a failure is retried with backoff while attempts remain, then fails the task", () => {
  const first = decideRunEnding(
    { attemptsSpent: 0, maxAttempts: 2 },
    { kind: "failed", message: "boom" },
    NOW,
    policy
  ).ending;
  assert.equal(first.taskState, "queued");
  assert.equal(first.spendAttempt, true);
  assert.equal(first.notBefore, new Date(NOW + 1000).toISOString());
  const last = decideRunEnding(
    { attemptsSpent: 1, maxAttempts: 2 },
    { kind: "failed", message: "boom" },
    NOW,
    policy
  ).ending;
  assert.equal(last.taskState, "failed");
  assert.equal(last.runState, "failed");
  assert.match(String(last.reason), /boom \(attempt 2 of 2\)/);
});

test("stalled runs are retried as stalled; timeouts and cancels end the task", () => {
  const stalled = decideRunEnding(
    { attemptsSpent: 0, maxAttempts: 3 },
    { kind: "stalled", reason: "quiet" },
    NOW,
    policy
  ).ending;
  assert.deepEqual([stalled.runState, stalled.taskState, stalled.spendAttempt], ["stalled", "queued", true]);
  const timedOut = decideRunEnding(
    { attemptsSpent: 0, maxAttempts: 3 },
    { kind: "timed_out", reason: "late" },
    NOW,
    policy
  ).ending;
  assert.deepEqual([timedOut.runState, timedOut.taskState], ["timed_out", "timed_out"]);
  const cancelled = decideRunEnding(
    { attemptsSpent: 0, maxAttempts: 3 },
    { kind: "cancelled", reason: "no" },
    NOW,
    policy
  ).ending;
  assert.deepEqual(
    [cancelled.runState, cancelled.taskState, cancelled.spendAttempt],
    ["cancelled", "cancelled", false]
  );
});

test("a usage limit defers the run, spends nothing and pauses claiming until the named reset", () => {
  const message = "You’ve hit your usage limit. Upgrade to Pro … or try again at 11:30 AM.";
  const local = new Date(2026, 2, 1, 10, 0).getTime();
  const decision = decideRunEnding(
    { attemptsSpent: 2, maxAttempts: 3 },
    { kind: "usage_limit", message },
    local,
    policy
  );
  assert.deepEqual(
    [decision.ending.runState, decision.ending.taskState, decision.ending.spendAttempt],
    ["deferred", "queued", false]
  );
  assert.equal(decision.quotaPauseUntil, new Date(2026, 2, 1, 11, 30).toISOString());
});

test("every outcome, every attempt count: only the task's own failures spend attempts; retried only while attempts remain", () => {
  const outcomes: RunOutcome[] = [
    { kind: "completed", finalMessage: null, usage: null },
    { kind: "failed", message: "x" },
    { kind: "stalled", reason: "x" },
    { kind: "timed_out", reason: "x" },
    { kind: "cancelled", reason: "x" },
    { kind: "usage_limit", message: "x" },
    { kind: "unavailable", reason: "x" },
    { kind: "abandoned", reason: "x" },
    { kind: "interrupted", reason: "x" }
  ];
  for (const outcome of outcomes) {
    for (let maxAttempts = 1; maxAttempts <= 4; maxAttempts += 1) {
      for (let attemptsSpent = 0; attemptsSpent < maxAttempts; attemptsSpent += 1) {
        const { ending } = decideRunEnding({ attemptsSpent, maxAttempts }, outcome, NOW, policy);
        const own = ["failed", "stalled", "timed_out", "interrupted"].includes(outcome.kind);
        assert.equal(ending.spendAttempt, own, outcome.kind);
        if (ending.spendAttempt && ending.taskState === "queued") assert.ok(attemptsSpent + 1 < maxAttempts);
        if (own && outcome.kind !== "timed_out" && attemptsSpent + 1 < maxAttempts)
          assert.equal(ending.taskState, "queued");
        if (["usage_limit", "unavailable", "abandoned"].includes(outcome.kind))
          assert.equal(ending.taskState, "queued");
      }
    }
  }
});

test("an unreachable codexd spends no attempt, and each further try waits longer", () => {
  const at = (runCount: number) =>
    decideRunEnding(
      { attemptsSpent: 1, maxAttempts: 3, runCount },
      { kind: "unavailable", reason: "codexd down" },
      NOW,
      policy
    ).ending;
  const waits = [2, 3, 4].map((runCount) => Date.parse(at(runCount).notBefore ?? "") - NOW);
  assert.equal(at(2).spendAttempt, false);
  assert.equal(at(2).taskState, "queued");
  assert.ok(waits[0]! < waits[1]! && waits[1]! < waits[2]!, `waits grow: ${waits.join(", ")}`);
  assert.ok(waits[2]! <= policy.retry.maxMs);
});
