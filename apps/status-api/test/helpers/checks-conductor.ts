// A conductor with issue 15's fields, for the page: a task in review whose run kept setup and
// check results over two rounds and whose files overlap another task's, a land queue it can
// join, and a running task whose check events the test releases one by one. Anything else is
// the review conductor's.
import type { ServerResponse } from "node:http";
import { sendJson, type SeenRequest } from "./fake-service.js";
import { reviewConductor, reviewTask } from "./review-conductor.js";

const at = "2026-11-26T08:00:00.000Z";

export const CHECK_TASK_ID = "task-checks-1";
export const CHECK_RUN_ID = "run-checks-1";
export const LIVE_TASK_ID = "task-live-1";
export const LIVE_RUN_ID = "run-live-1";
export const REPO = "/tmp/repo";

/** A modified file (an added, a changed and context lines) and a renamed one whose name has a space. */
export const checksPatch = [
  "diff --git a/src/app.ts b/src/app.ts",
  "index 1111111..2222222 100644",
  "--- a/src/app.ts",
  "+++ b/src/app.ts",
  "@@ -1,4 +1,5 @@",
  ' import { a } from "./a";',
  "-export const x = 1;",
  "+export const x = 2;",
  "+export const y = 3;",
  " export function f() {}",
  " // end",
  "diff --git a/docs/old name.md b/docs/new name.md",
  "similarity index 90%",
  "rename from docs/old name.md",
  "rename to docs/new name.md",
  "index 3333333..4444444 100644",
  "--- a/docs/old name.md",
  "+++ b/docs/new name.md",
  "@@ -1,2 +1,2 @@",
  " # Title",
  "-old words",
  "+new words",
  ""
].join("\n");

export const checksDiff = {
  base: { branch: "main", commit: "fedcba9876543210fedcba9876543210fedcba98" },
  head: { branch: `baa/${CHECK_TASK_ID}`, commit: "0123456789abcdef0123456789abcdef01234567" },
  files: [
    { path: "src/app.ts", oldPath: null, status: "modified", additions: 2, deletions: 1, binary: false },
    {
      path: "docs/new name.md",
      oldPath: "docs/old name.md",
      status: "renamed",
      additions: 1,
      deletions: 1,
      binary: false
    }
  ],
  patch: checksPatch,
  truncated: false
};

export const checkResults = [
  { name: "lint", status: "passed", exitCode: 0, durationMs: 1200, outputTail: "", round: 1 },
  {
    name: "test",
    status: "failed",
    exitCode: 1,
    durationMs: 4300,
    outputTail: "FAIL src/app.test.ts\n<b>expected 2, got 1</b>",
    round: 1
  },
  { name: "lint", status: "passed", exitCode: 0, durationMs: 1100, outputTail: "", round: 2 },
  { name: "test", status: "passed", exitCode: 0, durationMs: 4100, outputTail: "ok 12 tests", round: 2 },
  {
    name: "e2e",
    status: "timed_out",
    exitCode: null,
    durationMs: 60_000,
    outputTail: "waiting for port 3000",
    round: 2
  }
];

export const setupResult = {
  status: "passed",
  copied: [".env"],
  commands: [
    { run: "pnpm install", exitCode: 0, durationMs: 9000, outputTail: "Done in 9s", status: "passed" }
  ]
};

export const overlaps = [{ taskId: "task-other-2", paths: ["src/app.ts", "src/b.ts"] }];

export const landQueue = { repo: REPO, target: "main", method: "squash", queuedAt: at };

const event = (seq: number, runId: string, taskId: string, type: string, data: unknown) => ({
  seq,
  type,
  at,
  sessionId: "session-w",
  threadId: "thread-w",
  turnId: null,
  taskId,
  runId,
  data
});

export interface ChecksConductor {
  handler: (request: SeenRequest, res: ServerResponse) => void;
  /** Releases one more event of the running task's run (its checks, as the conductor streams them). */
  emitLive(type: string, data: unknown): void;
  /** Whether the task in review joined the queue. */
  queued: boolean;
}

export function checksConductor(): ChecksConductor {
  const liveEvents = [event(1, LIVE_RUN_ID, LIVE_TASK_ID, "run.started", {})];
  const state: ChecksConductor = {
    queued: false,
    emitLive: (type, data) =>
      liveEvents.push(event(liveEvents.length + 1, LIVE_RUN_ID, LIVE_TASK_ID, type, data)),
    handler: (request, res) => answer(request, res, state, liveEvents)
  };
  return state;
}

function checkTask(state: ChecksConductor) {
  return {
    ...reviewTask(),
    taskId: CHECK_TASK_ID,
    title: "make x two",
    round: 1,
    lastRunId: CHECK_RUN_ID,
    repoConfig: null,
    overlaps,
    landQueue: state.queued ? landQueue : null
  };
}

const checkRun = {
  runId: CHECK_RUN_ID,
  taskId: CHECK_TASK_ID,
  attempt: 1,
  round: 1,
  state: "succeeded",
  reason: null,
  commit: checksDiff.head.commit,
  workspace: {
    kind: "worktree",
    path: `${REPO}/.baa/worktrees/${CHECK_TASK_ID}`,
    branch: `baa/${CHECK_TASK_ID}`,
    baseCommit: checksDiff.base.commit
  },
  finalMessage: "x is two now.",
  checks: checkResults,
  setup: setupResult,
  startedAt: at,
  lastEventAt: at,
  endedAt: at
};

const checkEvents = [
  event(1, CHECK_RUN_ID, CHECK_TASK_ID, "run.started", {}),
  event(2, CHECK_RUN_ID, CHECK_TASK_ID, "run.setup.ended", setupResult),
  ...checkResults
    .slice(0, 2)
    .map((result, index) => event(3 + index, CHECK_RUN_ID, CHECK_TASK_ID, "run.check.ended", result)),
  event(5, CHECK_RUN_ID, CHECK_TASK_ID, "run.checks.turn", { round: 2, failed: ["test"] }),
  ...checkResults
    .slice(2)
    .map((result, index) => event(6 + index, CHECK_RUN_ID, CHECK_TASK_ID, "run.check.ended", result))
];

const liveTask = {
  ...reviewTask("running"),
  taskId: LIVE_TASK_ID,
  title: "still checking",
  lastRunId: LIVE_RUN_ID,
  repoConfig: { checks: [{ name: "test", run: "npm test" }] },
  overlaps: [],
  landQueue: null
};
const liveRun = {
  ...checkRun,
  runId: LIVE_RUN_ID,
  taskId: LIVE_TASK_ID,
  state: "running",
  commit: null,
  checks: [],
  setup: null,
  finalMessage: null,
  endedAt: null,
  workspace: { ...checkRun.workspace, branch: `baa/${LIVE_TASK_ID}` }
};

function queues(state: ChecksConductor) {
  const first = { taskId: "task-first", title: "the first one", position: 1, queuedAt: at, state: "landing" };
  const ours = { taskId: CHECK_TASK_ID, title: "make x two", position: 2, queuedAt: at, state: "in_review" };
  return [
    {
      repo: REPO,
      target: "main",
      landing: "task-first",
      lockHolder: "node-a",
      entries: state.queued ? [first, ours] : [first]
    }
  ];
}

function answer(
  request: SeenRequest,
  res: ServerResponse,
  state: ChecksConductor,
  liveEvents: ReturnType<typeof event>[]
): void {
  const url = new URL(request.url, "http://conductor");
  const path = url.pathname;
  const task = `/v1/tasks/${CHECK_TASK_ID}`;
  const after = Number(url.searchParams.get("after") ?? 0);
  if (request.method === "GET") {
    if (path === "/v1/queues") return sendJson(res, 200, { ok: true, data: { queues: queues(state) } });
    if (path === task) return sendJson(res, 200, { ok: true, data: { task: checkTask(state) } });
    if (path === `${task}/runs`) return sendJson(res, 200, { ok: true, data: { runs: [checkRun] } });
    if (path === `${task}/diff`) return sendJson(res, 200, { ok: true, data: checksDiff });
    if (path === `${task}/landing-options`)
      return sendJson(res, 200, {
        ok: true,
        data: { baseBranch: "main", branches: ["main", "release"], remotes: [] }
      });
    if (path === `/v1/runs/${CHECK_RUN_ID}`)
      return sendJson(res, 200, { ok: true, data: { run: checkRun, events: checkEvents, nextAfter: null } });
    if (path === `/v1/runs/${CHECK_RUN_ID}/events`)
      return sendJson(res, 200, {
        ok: true,
        data: { events: checkEvents.filter((e) => e.seq > after), nextAfter: null }
      });
    if (path === `/v1/tasks/${LIVE_TASK_ID}`)
      return sendJson(res, 200, { ok: true, data: { task: liveTask } });
    if (path === `/v1/tasks/${LIVE_TASK_ID}/runs`)
      return sendJson(res, 200, { ok: true, data: { runs: [liveRun] } });
    if (path === `/v1/tasks/${LIVE_TASK_ID}/diff`)
      return sendJson(res, 200, { ok: true, data: { ...checksDiff, files: [], patch: "" } });
    if (path === `/v1/runs/${LIVE_RUN_ID}`)
      return sendJson(res, 200, { ok: true, data: { run: liveRun, events: liveEvents, nextAfter: null } });
    if (path === `/v1/runs/${LIVE_RUN_ID}/events`)
      return sendJson(res, 200, {
        ok: true,
        data: { events: liveEvents.filter((e) => e.seq > after), nextAfter: null }
      });
  }
  if (request.method === "POST" && path === `${task}/land`) {
    const body = JSON.parse(request.body || "{}") as { queue?: boolean };
    if (body.queue !== true)
      return sendJson(res, 409, {
        ok: false,
        error: { code: "task_not_landable", message: "this fake only queues" }
      });
    if (state.queued)
      return sendJson(res, 409, {
        ok: false,
        error: { code: "already_queued", message: `${CHECK_TASK_ID} is already queued for main` }
      });
    state.queued = true;
    return sendJson(res, 202, { ok: true, data: { task: checkTask(state) } });
  }
  if (request.method === "POST" && path === `${task}/revise`)
    return sendJson(res, 200, { ok: true, data: { task: checkTask(state) } });
  return reviewConductor(request, res);
}
