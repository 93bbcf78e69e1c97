import type { ConductorToken } from "./conductor-token.js";
import type { HttpClient, HttpOutcome } from "./http-client.js";
import { readData, type Part, type SourceError } from "./source-error.js";

export const TASK_STATES = [
  "queued",
  "blocked",
  "running",
  "needs_approval",
  "in_review",
  "landing",
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "landed",
  "discarded"
] as const;
const ENDED = new Set(["succeeded", "failed", "cancelled", "timed_out", "landed", "discarded"]);

/** Tasks read per refresh, running runs looked up, ended tasks shown. */
export const CONDUCTOR_LIMITS = { tasks: 50, runningRuns: 10, recent: 10 } as const;

export interface RoleView {
  role: string;
  nodeId: string | null;
  holder: string | null;
  term: number | null;
  expiresAt: string | null;
}

export interface SystemView {
  mode: string;
  reason: string | null;
  changedAt: string | null;
  /** Draining and nothing runs any more. */
  drained: boolean;
  /** Whether the conductor claims new work right now (leader, running, no quota pause). */
  claiming: boolean | null;
  /** Runs still going, on every node. */
  running: number | null;
  quotaPausedUntil: string | null;
  quotaReason: string | null;
  /** Every node of the cluster (empty from a conductor that lists none). */
  nodes: NodeView[];
}

/** A conductor node as `GET /v1/system/state` lists it. */
export interface NodeView {
  nodeId: string;
  address: string | null;
  labels: string[];
  capacity: number | null;
  running: number | null;
  version: string | null;
  lastSeenAt: string | null;
  state: string;
}

export interface TaskSummary {
  taskId: string;
  title: string;
  state: string;
  stateReason: string | null;
  attempts: number;
  lastRunId: string | null;
  updatedAt: string | null;
  endedAt: string | null;
}

export interface RunningTask extends TaskSummary {
  run: Part<{
    runId: string;
    attempt: number;
    sessionId: string | null;
    turnId: string | null;
    startedAt: string | null;
    lastEventAt: string | null;
  }>;
}

export interface TasksView {
  byState: Record<string, number>;
  /** Tasks waiting on a person: `needs_approval` (an approval to answer) and `in_review` (work to review). */
  waitingOnPerson: number;
  /** False when the counts come from one page of tasks only (more tasks than a page, no exact counts). */
  complete: boolean;
  running: RunningTask[];
  recent: TaskSummary[];
  /** Tasks whose work waits for a review (oldest first, 10 at most). */
  inReview: TaskSummary[];
}

export interface ConductorView {
  reachable: boolean;
  baseUrl: string;
  error: SourceError | null;
  latencyMs: number | null;
  role: RoleView | null;
  system: Part<SystemView>;
  tasks: Part<TasksView>;
}

/**
 * Reads the conductor's role, system mode and tasks in parallel, then the current runs of the
 * running tasks, all within `timeoutMs` from the start. Missing routes are parts marked
 * unavailable; only a conductor that does not answer /rolez is unreachable.
 */
export async function readConductor(
  http: HttpClient,
  options: { baseUrl: string; timeoutMs: number; token: ConductorToken; now: () => number }
): Promise<ConductorView> {
  const { get, tokenError } = conductorGetter(http, options);
  const [rolez, systemOutcome, recentOutcome, runningOutcome, waitingOutcome, reviewOutcome] =
    await Promise.all([
      get("/rolez"),
      get("/v1/system/state"),
      get(`/v1/tasks?limit=${CONDUCTOR_LIMITS.tasks}`),
      // Running tasks are asked for by state: an old one may be far down the newest-first list.
      get(`/v1/tasks?state=running&limit=${CONDUCTOR_LIMITS.runningRuns}`),
      get(`/v1/tasks?state=needs_approval&limit=${CONDUCTOR_LIMITS.runningRuns}`),
      get(`/v1/tasks?state=in_review&limit=${CONDUCTOR_LIMITS.runningRuns}`)
    ]);
  const base: ConductorView = {
    reachable: rolez.ok,
    baseUrl: options.baseUrl,
    error: rolez.ok ? null : { code: rolez.kind, message: `GET /rolez: ${rolez.message}` },
    latencyMs: rolez.latencyMs,
    role: null,
    system: { available: false, error: { code: "unreachable", message: "conductor not reachable" } },
    tasks: { available: false, error: { code: "unreachable", message: "conductor not reachable" } }
  };
  if (!rolez.ok) return base;

  const role = readData(rolez, "GET /rolez");
  const withToken = <T>(part: Part<T>): Part<T> =>
    tokenError !== null && !part.available ? { available: false, error: tokenError } : part;
  const systemData = readData(systemOutcome, "GET /v1/system/state");
  const system = withToken(mapPart(systemData, toSystemView));
  const pages = [
    readData(recentOutcome, "GET /v1/tasks"),
    readData(runningOutcome, "GET /v1/tasks?state=running"),
    readData(waitingOutcome, "GET /v1/tasks?state=needs_approval")
  ].map((part) => withToken(mapPart(part, (data) => data as TasksPage)));
  // A conductor without reviews refuses the state: its tasks are then simply none in review.
  const review = readData(reviewOutcome, "GET /v1/tasks?state=in_review");

  // The system report counts every task by state; a page of the list only counts itself.
  const exactCounts = countsIn(systemData);
  const failed = pages.find((page) => !page.available);
  const tasks: Part<TasksView> =
    failed !== undefined && !failed.available
      ? failed
      : await tasksView(
          pages.map((page) => (page.available ? page.value : {})),
          review,
          exactCounts,
          get
        );
  return {
    ...base,
    role: role.available ? toRoleView(role.value) : null,
    system,
    tasks
  };
}

/** The conductor's signed GET within the deadline; a 401 drops the cached token. */
function conductorGetter(
  http: HttpClient,
  options: { baseUrl: string; timeoutMs: number; token: ConductorToken; now: () => number }
): { get: (path: string) => Promise<HttpOutcome>; tokenError: SourceError | null } {
  const started = options.now();
  const remaining = () => Math.max(1, options.timeoutMs - (options.now() - started));
  let headers: Record<string, string>;
  let tokenError: SourceError | null = null;
  try {
    headers = options.token.headers();
  } catch (error) {
    headers = {};
    tokenError = {
      code: "token_unreadable",
      message: `the conductor's token file cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`
    };
  }
  const get = (path: string): Promise<HttpOutcome> =>
    http({ url: `${options.baseUrl}${path}`, headers, timeoutMs: remaining() }).then((outcome) => {
      if (outcome.ok && outcome.status === 401) options.token.invalidate();
      return outcome;
    });
  return { get, tokenError };
}

/** The task lists read (recent, running, waiting, in review) as the view, with the current runs of the active ones. */
async function tasksView(
  pages: (TasksPage | undefined)[],
  review: Part<unknown>,
  exactCounts: Record<string, number> | undefined,
  get: (path: string) => Promise<HttpOutcome>
): Promise<Part<TasksView>> {
  const [recentPage, runningPage, waitingPage] = pages;
  const reviewPage = review.available ? (review.value as TasksPage) : undefined;
  const listOf = (page: TasksPage | undefined) =>
    Array.isArray(page?.tasks) ? page.tasks.map(toTaskSummary) : [];
  const list = listOf(recentPage);
  const active = [...listOf(runningPage), ...listOf(waitingPage)]
    .sort((a, b) => (a.updatedAt ?? "").localeCompare(b.updatedAt ?? ""))
    .slice(0, CONDUCTOR_LIMITS.runningRuns);
  const runs = await Promise.all(
    active.map(async (task): Promise<RunningTask> => {
      const outcome = await get(`/v1/tasks/${encodeURIComponent(task.taskId)}/runs`);
      return { ...task, run: currentRun(readData(outcome, "GET /v1/tasks/:task_id/runs"), task.lastRunId) };
    })
  );
  const byState = exactCounts ?? countByState(list);
  return {
    available: true,
    value: {
      byState,
      waitingOnPerson: (byState.needs_approval ?? 0) + (byState.in_review ?? 0),
      complete: exactCounts !== undefined || recentPage?.nextCursor == null,
      running: runs,
      recent: list
        .filter((task) => ENDED.has(task.state))
        .sort((a, b) => (b.endedAt ?? b.updatedAt ?? "").localeCompare(a.endedAt ?? a.updatedAt ?? ""))
        .slice(0, CONDUCTOR_LIMITS.recent),
      inReview: listOf(reviewPage)
        .sort((a, b) => (a.updatedAt ?? "").localeCompare(b.updatedAt ?? ""))
        .slice(0, CONDUCTOR_LIMITS.runningRuns)
    }
  };
}

function mapPart<A, B>(part: Part<A>, map: (value: A) => B): Part<B> {
  return part.available ? { available: true, value: map(part.value) } : part;
}

type Raw = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number | null =>
  typeof value === "number" && Number.isFinite(value) ? value : null;
// Records may come bare or wrapped in a one-key object ({state: {...}}, {run: {...}}).
const unwrap = (data: unknown, key: string): Raw => {
  const raw = (data ?? {}) as Raw;
  const inner = raw[key];
  return typeof inner === "object" && inner !== null && !Array.isArray(inner) ? (inner as Raw) : raw;
};

function toRoleView(data: unknown): RoleView {
  const raw = data as Raw;
  const lease = (typeof raw.lease === "object" && raw.lease !== null ? raw.lease : {}) as Raw;
  return {
    role: str(raw.role) ?? "unknown",
    nodeId: str(raw.nodeId),
    holder: str(raw.holder) ?? str(lease.holder),
    term: num(raw.term) ?? num(raw.leaseTerm) ?? num(lease.term),
    expiresAt: str(raw.expiresAt) ?? str(lease.expiresAt) ?? str(raw.validUntil)
  };
}

function toSystemView(data: unknown): SystemView {
  const raw = unwrap(data, "state");
  const running = (typeof raw.running === "object" && raw.running !== null ? raw.running : {}) as Raw;
  const quota = (typeof raw.quota === "object" && raw.quota !== null ? raw.quota : {}) as Raw;
  return {
    mode: str(raw.mode) ?? "unknown",
    reason: str(raw.reason),
    changedAt: str(raw.changedAt),
    drained: raw.drained === true,
    claiming: typeof raw.claiming === "boolean" ? raw.claiming : null,
    running: num(raw.running) ?? num(running.count),
    quotaPausedUntil: str(quota.pausedUntil) ?? str(raw.quotaPausedUntil),
    quotaReason: str(quota.reason) ?? str(raw.quotaReason),
    nodes: Array.isArray(raw.nodes) ? (raw.nodes as Raw[]).map(toNodeView) : []
  };
}

function toNodeView(raw: Raw): NodeView {
  return {
    nodeId: str(raw.nodeId) ?? "?",
    address: str(raw.address),
    labels: Array.isArray(raw.labels)
      ? raw.labels.filter((label): label is string => typeof label === "string")
      : [],
    capacity: num(raw.capacity),
    running: num(raw.running),
    version: str(raw.version),
    lastSeenAt: str(raw.lastSeenAt),
    state: str(raw.state) ?? "unknown"
  };
}

function countsIn(part: Part<unknown>): Record<string, number> | undefined {
  if (!part.available) return undefined;
  const tasks = (part.value as Raw).tasks;
  if (typeof tasks !== "object" || tasks === null) return undefined;
  const counts: Record<string, number> = Object.fromEntries(TASK_STATES.map((state) => [state, 0]));
  for (const [state, count] of Object.entries(tasks as Raw))
    if (typeof count === "number") counts[state] = count;
  return counts;
}

interface TasksPage {
  tasks?: unknown[];
  nextCursor?: string | null;
}

function toTaskSummary(data: unknown): TaskSummary {
  const raw = data as Raw;
  return {
    taskId: str(raw.taskId) ?? "?",
    title: str(raw.title) ?? "",
    state: str(raw.state) ?? "unknown",
    stateReason: str(raw.stateReason),
    attempts: num(raw.runCount) ?? 0,
    lastRunId: str(raw.lastRunId),
    updatedAt: str(raw.updatedAt),
    endedAt: str(raw.endedAt)
  };
}

// The task's current run: its last run, else the newest one listed.
function currentRun(part: Part<unknown>, lastRunId: string | null): RunningTask["run"] {
  if (!part.available) return part;
  const runs = (part.value as Raw).runs;
  const list = Array.isArray(runs) ? (runs as Raw[]) : [];
  const run = list.find((candidate) => candidate.runId === lastRunId) ?? list.at(-1);
  if (run === undefined) return { available: false, error: { code: "http_error", message: "no run yet" } };
  return { available: true, value: toRunView(run) };
}

function toRunView(data: unknown) {
  const raw = unwrap(data, "run");
  return {
    runId: str(raw.runId) ?? "?",
    attempt: num(raw.attempt) ?? 0,
    sessionId: str(raw.sessionId),
    turnId: str(raw.turnId),
    startedAt: str(raw.startedAt),
    lastEventAt: str(raw.lastEventAt)
  };
}

function countByState(list: TaskSummary[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(TASK_STATES.map((state) => [state, 0]));
  for (const task of list) counts[task.state] = (counts[task.state] ?? 0) + 1;
  return counts;
}
