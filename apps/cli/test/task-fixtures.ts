// Task and run documents as the conductor sends them (issue 14's shape), for the fakes.
import type { RunView, TaskView } from "../src/commands/task-views.js";

export function taskDoc(overrides: Partial<TaskView> = {}): TaskView {
  return {
    taskId: "task-1",
    title: "Add hello",
    prompt: "Add hello.txt",
    state: "in_review",
    stateReason: null,
    priority: 0,
    maxAttempts: 3,
    attemptsSpent: 0,
    runCount: 1,
    cwd: "/work/proj",
    dependsOn: [],
    lastRunId: "run-1",
    createdAt: "2025-01-01T00:00:00.000Z",
    endedAt: null,
    review: null,
    baseBranch: "main",
    round: 1,
    roundInput: null,
    landing: null,
    push: null,
    ...overrides
  };
}

export function runDoc(overrides: Partial<RunView> = {}): RunView {
  return {
    runId: "run-1",
    taskId: "task-1",
    attempt: 1,
    state: "succeeded",
    reason: null,
    owner: "node-a",
    sessionId: "session-1",
    turnId: "turn-1",
    finalMessage: "wrote hello.txt",
    workspace: {
      kind: "worktree",
      path: "/state/worktrees/task-1",
      branch: "baa/task-1",
      baseCommit: "1111111111aaaa"
    },
    round: 1,
    commit: "abcdef0123456789",
    startedAt: "2025-01-01T00:00:01.000Z",
    endedAt: "2025-01-01T00:00:02.000Z",
    ...overrides
  };
}
