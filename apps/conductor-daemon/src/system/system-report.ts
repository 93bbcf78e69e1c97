import type { ControlStore, RunRecord, SystemStateRecord, TaskState } from "@baa/control-store";
import type { LeaseView } from "../leadership/lease-keeper.js";
import { quotaPauseInForce } from "./system-modes.js";

export type SystemReportStore = Pick<
  ControlStore,
  "listRunningRuns" | "getLease" | "countTasksByState" | "now"
>;

/** The document of `GET /v1/system/state` and of the pause/resume/drain answers. */
export interface SystemReport {
  mode: SystemStateRecord["mode"];
  reason: string | null;
  changedAt: string;
  /** True when the mode is `draining` and nothing runs any more. */
  drained: boolean;
  /** Whether this node claims new work right now (leader, mode running, no quota pause). */
  claiming: boolean;
  /** What is still running, on every node. */
  running: { count: number; runs: RunningSummary[] };
  quota: { pausedUntil: string; reason: string | null } | null;
  /** The lease row as the store has it; `expired` by the database's clock. */
  leader: { holder: string | null; term: number; expiresAt: string | null; expired: boolean } | null;
  node: LeaseView;
  tasks: Record<TaskState, number>;
}

export interface RunningSummary {
  runId: string;
  taskId: string;
  attempt: number;
  owner: string;
  term: number;
  startedAt: string;
  lastEventAt: string | null;
}

/** Reads what the report needs from the store in one go; the store failing fails the report. */
export async function buildSystemReport(deps: {
  store: SystemReportStore;
  state: SystemStateRecord;
  scope: string;
  node: LeaseView;
  claiming: boolean;
}): Promise<SystemReport> {
  const { store, state } = deps;
  const [runs, lease, tasks, dbNow] = await Promise.all([
    store.listRunningRuns(),
    store.getLease(deps.scope),
    store.countTasksByState(),
    store.now()
  ]);
  const quotaOn = quotaPauseInForce(state, dbNow.getTime());
  return {
    mode: state.mode,
    reason: state.reason,
    changedAt: state.changedAt,
    drained: state.mode === "draining" && runs.length === 0,
    claiming: deps.claiming,
    running: { count: runs.length, runs: runs.map(summarize) },
    quota:
      quotaOn && state.quotaPausedUntil !== null
        ? { pausedUntil: state.quotaPausedUntil, reason: state.quotaReason }
        : null,
    leader:
      lease === null
        ? null
        : {
            holder: lease.holder,
            term: lease.term,
            expiresAt: lease.expiresAt,
            expired: lease.expiresAt === null || Date.parse(lease.expiresAt) <= dbNow.getTime()
          },
    node: deps.node,
    tasks
  };
}

function summarize(run: RunRecord): RunningSummary {
  return {
    runId: run.runId,
    taskId: run.taskId,
    attempt: run.attempt,
    owner: run.owner,
    term: run.term,
    startedAt: run.startedAt,
    lastEventAt: run.lastEventAt
  };
}
