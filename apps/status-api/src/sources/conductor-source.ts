import type { ConductorToken } from "./conductor-token.js";
import type { HttpClient, HttpOutcome } from "./http-client.js";
import { readData, type Part, type SourceError } from "./source-error.js";

export const TASK_STATES = ["queued", "blocked", "running", "needs_approval", "succeeded", "failed", "cancelled", "timed_out"] as const;
const ACTIVE = new Set(["running", "needs_approval"]);
const ENDED = new Set(["succeeded", "failed", "cancelled", "timed_out"]);

/** Tasks read per refresh, running runs looked up, ended tasks shown. */
export const CONDUCTOR_LIMITS = { tasks: 200, runningRuns: 10, recent: 10 } as const;

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
  /** Tasks still running while paused or draining, when the conductor reports them. */
  running: number | null;
  quotaPausedUntil: string | null;
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
  run: Part<{ runId: string; attempt: number; sessionId: string | null; turnId: string | null; startedAt: string | null; lastEventAt: string | null }>;
}

export interface TasksView {
  byState: Record<string, number>;
  /** False when there were more tasks than one page: counts cover the newest page only. */
  complete: boolean;
  running: RunningTask[];
  recent: TaskSummary[];
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
  const started = options.now();
  const remaining = () => Math.max(1, options.timeoutMs - (options.now() - started));
  let headers: Record<string, string>;
  let tokenError: SourceError | null = null;
  try {
    headers = options.token.headers();
  } catch (error) {
    headers = {};
    tokenError = { code: "token_unreadable", message: `the conductor's token file cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})` };
  }
  const get = (path: string): Promise<HttpOutcome> =>
    http({ url: `${options.baseUrl}${path}`, headers, timeoutMs: remaining() }).then((outcome) => {
      if (outcome.ok && outcome.status === 401) options.token.invalidate();
      return outcome;
    });

  const [rolez, systemOutcome, tasksOutcome] = await Promise.all([
    get("/rolez"),
    get("/v1/system/state"),
    get(`/v1/tasks?limit=${CONDUCTOR_LIMITS.tasks}`)
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
  const system = withToken(mapPart(readData(systemOutcome, "GET /v1/system/state"), toSystemView));
  const tasksPart = withToken(mapPart(readData(tasksOutcome, "GET /v1/tasks"), (data) => data as TasksPage));

  let tasks: Part<TasksView>;
  if (!tasksPart.available) tasks = tasksPart;
  else {
    const list = Array.isArray(tasksPart.value.tasks) ? tasksPart.value.tasks.map(toTaskSummary) : [];
    const running = list.filter((task) => ACTIVE.has(task.state)).slice(0, CONDUCTOR_LIMITS.runningRuns);
    const runs = await Promise.all(
      running.map(async (task): Promise<RunningTask> => {
        if (task.lastRunId === null) return { ...task, run: { available: false, error: { code: "http_error", message: "no run yet" } } };
        const outcome = await get(`/v1/runs/${encodeURIComponent(task.lastRunId)}`);
        return { ...task, run: mapPart(readData(outcome, "GET /v1/runs/:run_id"), toRunView) };
      })
    );
    tasks = {
      available: true,
      value: {
        byState: countByState(list, tasksPart.value),
        complete: tasksPart.value.nextCursor == null,
        running: runs,
        recent: list
          .filter((task) => ENDED.has(task.state))
          .sort((a, b) => (b.endedAt ?? b.updatedAt ?? "").localeCompare(a.endedAt ?? a.updatedAt ?? ""))
          .slice(0, CONDUCTOR_LIMITS.recent)
      }
    };
  }
  return {
    ...base,
    role: role.available ? toRoleView(role.value) : null,
    system,
    tasks
  };
}

function mapPart<A, B>(part: Part<A>, map: (value: A) => B): Part<B> {
  return part.available ? { available: true, value: map(part.value) } : part;
}

type Raw = Record<string, unknown>;
const str = (value: unknown): string | null => (typeof value === "string" ? value : null);
const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
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
  return {
    mode: str(raw.mode) ?? "unknown",
    reason: str(raw.reason),
    changedAt: str(raw.changedAt),
    running: num(raw.running) ?? num(raw.runningCount) ?? (Array.isArray(raw.running) ? raw.running.length : null),
    quotaPausedUntil: str(raw.quotaPausedUntil)
  };
}

interface TasksPage {
  tasks?: unknown[];
  nextCursor?: string | null;
  counts?: Record<string, number>;
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

// Counts the conductor reports win; else the page read is counted.
function countByState(list: TaskSummary[], page: TasksPage): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(TASK_STATES.map((state) => [state, 0]));
  if (page.counts !== undefined && typeof page.counts === "object") {
    for (const [state, count] of Object.entries(page.counts)) if (typeof count === "number") counts[state] = count;
    return counts;
  }
  for (const task of list) counts[task.state] = (counts[task.state] ?? 0) + 1;
  return counts;
}
