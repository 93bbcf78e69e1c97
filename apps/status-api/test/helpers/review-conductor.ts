// A conductor with one task in review, for the task routes and the page: canned task, runs,
// run events, diff and landing options, and actions that answer as the conductor would.
import type { ServerResponse } from "node:http";
import { sendJson, type SeenRequest } from "./fake-service.js";
import { fullConductor } from "./fixtures.js";

const at = "2026-11-26T08:00:00.000Z";

export const REVIEW_TASK_ID = "task-review-1";
export const REVIEW_RUN_ID = "run-review-1";

export const reviewPatch = [
  "diff --git a/hello.txt b/hello.txt",
  "new file mode 100644",
  "index 0000000..32f95c0",
  "--- /dev/null",
  "+++ b/hello.txt",
  "@@ -0,0 +1 @@",
  "+hi",
  "diff --git a/README.md b/README.md",
  "index df967b9..6d5b2c1 100644",
  "--- a/README.md",
  "+++ b/README.md",
  "@@ -1,3 +1,3 @@",
  " base",
  "-old line",
  "+new line <script>alert(1)</script>",
  " end",
  ""
].join("\n");

export function reviewTask(state = "in_review") {
  return {
    taskId: REVIEW_TASK_ID,
    title: "say hi",
    prompt: "write hello.txt",
    cwd: "/tmp/repo",
    state,
    stateReason: null,
    review: "required",
    baseBranch: "main",
    round: 1,
    roundInput: null,
    landing: null,
    push: null,
    runCount: 1,
    attemptsSpent: 0,
    maxAttempts: 3,
    lastRunId: REVIEW_RUN_ID,
    createdAt: at,
    updatedAt: at,
    endedAt: null
  };
}

export const reviewRun = {
  runId: REVIEW_RUN_ID,
  taskId: REVIEW_TASK_ID,
  attempt: 1,
  round: 1,
  state: "succeeded",
  reason: null,
  commit: "0123456789abcdef0123456789abcdef01234567",
  workspace: {
    kind: "worktree",
    path: "/tmp/repo/.baa/worktrees/task-review-1",
    branch: `baa/${REVIEW_TASK_ID}`,
    baseCommit: "fedcba9876543210fedcba9876543210fedcba98"
  },
  finalMessage: "I wrote hello.txt.",
  startedAt: at,
  lastEventAt: at,
  endedAt: at
};

export const reviewEvents = [
  {
    seq: 11,
    type: "run.started",
    at,
    sessionId: "session-w",
    threadId: "thread-w",
    turnId: null,
    taskId: REVIEW_TASK_ID,
    runId: REVIEW_RUN_ID,
    data: {}
  },
  {
    seq: 12,
    type: "app-server.item.completed",
    at,
    sessionId: "session-w",
    threadId: "thread-w",
    turnId: "turn-1",
    taskId: REVIEW_TASK_ID,
    runId: REVIEW_RUN_ID,
    data: { item: { type: "commandExecution", command: "printf hi > hello.txt" } }
  },
  {
    seq: 13,
    type: "app-server.turn.completed",
    at,
    sessionId: "session-w",
    threadId: "thread-w",
    turnId: "turn-1",
    taskId: REVIEW_TASK_ID,
    runId: REVIEW_RUN_ID,
    data: { turn: { status: "completed" } }
  }
];

export const reviewDiff = {
  base: { branch: "main", commit: "fedcba9876543210fedcba9876543210fedcba98" },
  head: { branch: `baa/${REVIEW_TASK_ID}`, commit: reviewRun.commit },
  files: [
    { path: "hello.txt", oldPath: null, status: "added", additions: 1, deletions: 0, binary: false },
    { path: "README.md", oldPath: null, status: "modified", additions: 1, deletions: 1, binary: false }
  ],
  patch: reviewPatch,
  truncated: false
};

export const landingOptions = {
  baseBranch: "main",
  branches: ["main", "release"],
  remotes: [{ name: "origin", forge: "github" }]
};

/**
 * The conductor's answers for the task routes. `revise` with an empty comment and `land` into
 * an unknown target are refused with the conductor's own errors; other POSTs echo what came.
 */
export function reviewConductor(request: SeenRequest, res: ServerResponse): void {
  const url = new URL(request.url, "http://conductor");
  const path = url.pathname;
  const task = `/v1/tasks/${REVIEW_TASK_ID}`;
  if (request.method === "GET") {
    if (path === "/v1/tasks" && url.searchParams.get("cursor") === "page-2")
      return sendJson(res, 200, {
        ok: true,
        data: {
          tasks: [{ ...reviewTask("landed"), taskId: "task-old", title: "an older one" }],
          nextCursor: null
        }
      });
    if (path === "/v1/tasks" && (url.searchParams.get("state") ?? "in_review") === "in_review")
      return sendJson(res, 200, { ok: true, data: { tasks: [reviewTask()], nextCursor: "page-2" } });
    // The tasks view reads the land queues and the schedules with the list.
    if (path === "/v1/queues") return sendJson(res, 200, { ok: true, data: { queues: [] } });
    if (path === "/v1/schedules") return sendJson(res, 200, { ok: true, data: { schedules: [] } });
    if (path === task) return sendJson(res, 200, { ok: true, data: { task: reviewTask() } });
    if (path === `${task}/runs`) return sendJson(res, 200, { ok: true, data: { runs: [reviewRun] } });
    if (path === `${task}/diff`) return sendJson(res, 200, { ok: true, data: reviewDiff });
    if (path === `${task}/landing-options`) return sendJson(res, 200, { ok: true, data: landingOptions });
    if (path === `/v1/runs/${REVIEW_RUN_ID}`)
      return sendJson(res, 200, {
        ok: true,
        data: { run: reviewRun, events: reviewEvents, nextAfter: null }
      });
    if (path === `/v1/runs/${REVIEW_RUN_ID}/events`) {
      const after = Number(url.searchParams.get("after") ?? 0);
      return sendJson(res, 200, {
        ok: true,
        data: { events: reviewEvents.filter((e) => e.seq > after), nextAfter: null }
      });
    }
    if (path.startsWith("/v1/tasks/"))
      return sendJson(res, 404, {
        ok: false,
        error: { code: "task_not_found", message: `no task ${path.split("/")[3]}` }
      });
  }
  if (request.method === "POST") {
    const body = JSON.parse(request.body || "{}") as Record<string, unknown>;
    if (path === "/v1/tasks" && (typeof body.title !== "string" || body.title.trim() === ""))
      return sendJson(res, 400, {
        ok: false,
        error: {
          code: "validation_failed",
          message: "invalid body: title: Too small: expected string to have >=1 characters"
        }
      });
    if (path === "/v1/tasks")
      return sendJson(res, 201, {
        ok: true,
        data: { task: { ...reviewTask("queued"), title: body.title }, created: true }
      });
    if (path === `${task}/revise` && body.comment === "")
      return sendJson(res, 400, {
        ok: false,
        error: { code: "validation_failed", message: "invalid body: comment: must not be empty" }
      });
    if (
      path === `${task}/land` &&
      body.target !== undefined &&
      !landingOptions.branches.includes(String(body.target))
    )
      return sendJson(res, 400, {
        ok: false,
        error: { code: "unknown_target", message: `no branch ${String(body.target)}` }
      });
    if (path === `${task}/discard`)
      return sendJson(res, 409, {
        ok: false,
        error: { code: "task_not_discardable", message: "task is landing" }
      });
  }
  return fullConductor(request, res);
}
