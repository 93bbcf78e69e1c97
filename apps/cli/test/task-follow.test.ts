// --follow on tasks and turns: it stops where a person takes over (in_review), its progress
// names one state consistently, and the exit code says how the work ended.
import assert from "node:assert/strict";
import test from "node:test";
import { ExitCode } from "../src/index.js";
import { fakeConductor, ok, runBaa } from "./fake-conductor.js";
import { runDoc, taskDoc } from "./task-fixtures.js";

const SYSTEM = {
  mode: "running",
  reason: null,
  drained: false,
  claiming: true,
  running: { count: 0, runs: [] },
  quota: null,
  leader: null,
  tasks: {}
};

/** Answers GET of the task from a script of states, the last one repeated. */
function scripted(states: string[]) {
  let index = 0;
  return () => {
    const state = states[Math.min(index++, states.length - 1)] as string;
    const started = state !== "queued";
    return ok({ task: taskDoc({ state, runCount: started ? 1 : 0, lastRunId: started ? "run-1" : null }) });
  };
}

test("tasks add --follow stops at in_review with exit 0, the commit and the next commands; progress shows the task state only", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks": ok({ task: taskDoc({ state: "queued", runCount: 0, lastRunId: null }), created: true }),
    "GET /v1/system/state": ok(SYSTEM),
    "GET /v1/tasks/task-1": scripted(["queued", "running", "running", "running", "in_review"]),
    "GET /v1/runs/run-1": ok({ run: runDoc() })
  });
  try {
    const result = await runBaa(["tasks", "add", "Add hello", "--follow"], {
      base: fake.base,
      cwd: "/work/proj"
    });
    assert.equal(result.code, ExitCode.ok, result.stderr);
    assert.equal(
      result.stdout,
      [
        "task task-1 in_review in 0.0s (commit abcdef0123 on baa/task-1)",
        "wrote hello.txt",
        'next: baa tasks diff task-1 · baa tasks land task-1 · baa tasks revise task-1 -m "…" · baa tasks discard task-1',
        ""
      ].join("\n")
    );
    const progress = result.stderr.split("\n").filter((line) => line.startsWith("task task-1 "));
    assert.deepEqual(progress, [
      "task task-1 queued",
      "task task-1 queued",
      "task task-1 running (run 1 · failed attempts 0 of 3)"
    ]);
    assert.doesNotMatch(result.stderr, /inProgress/);
  } finally {
    await fake.close();
  }
});

test("a followed task: landed exits 0; failed and discarded exit 1", async () => {
  for (const [state, exit] of [
    ["landed", ExitCode.ok],
    ["failed", ExitCode.workFailed],
    ["discarded", ExitCode.workFailed]
  ] as const) {
    const fake = await fakeConductor({
      "POST /v1/tasks/task-1/retry": ok({ task: taskDoc({ state: "queued" }) }),
      "GET /v1/tasks/task-1": scripted([state]),
      "GET /v1/runs/run-1": ok({ run: runDoc({ finalMessage: null }) })
    });
    try {
      const result = await runBaa(["tasks", "retry", "task-1", "--follow"], { base: fake.base });
      assert.equal(result.code, exit, `${state}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^task task-1 ${state} in`));
      assert.doesNotMatch(result.stdout, /next: /, "only in_review gets the review hint");
    } finally {
      await fake.close();
    }
  }
});

test("tasks revise --follow follows the new round", async () => {
  const fake = await fakeConductor({
    "POST /v1/tasks/task-1/revise": ok({ task: taskDoc({ state: "queued", round: 2 }) }),
    "GET /v1/tasks/task-1": scripted(["running", "in_review"]),
    "GET /v1/runs/run-1": ok({ run: runDoc({ attempt: 2, round: 2 }) })
  });
  try {
    const result = await runBaa(["tasks", "revise", "task-1", "-m", "more", "--follow"], { base: fake.base });
    assert.equal(result.code, ExitCode.ok, result.stderr);
    assert.match(result.stderr, /^task task-1 queued for round 2$/m);
    assert.match(result.stdout, /^task task-1 in_review in/);
  } finally {
    await fake.close();
  }
});

test("turn --follow says running while codex says inProgress (one word for one state)", async () => {
  let reads = 0;
  const fake = await fakeConductor({
    "POST /v1/codex/turn": ok({ turnId: "turn-1", sessionId: "session-1" }),
    "GET /v1/codex/sessions/session-1": () => {
      reads++;
      const status = reads < 3 ? "inProgress" : "completed";
      return ok({
        session: {
          sessionId: "session-1",
          lastTurnId: "turn-1",
          lastTurnStatus: status,
          lastTurnError: null,
          lastAgentMessage: "done"
        }
      });
    }
  });
  try {
    const result = await runBaa(["turn", "session-1", "hi", "--follow"], { base: fake.base });
    assert.equal(result.code, ExitCode.ok, result.stderr);
    assert.doesNotMatch(result.stderr, /inProgress/);
    assert.match(result.stderr, /^turn turn-1 running$/m);
    assert.equal(result.stdout, "turn turn-1 completed in 0.0s\ndone\n");
  } finally {
    await fake.close();
  }
});
