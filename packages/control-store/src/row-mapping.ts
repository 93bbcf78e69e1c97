import type { Selectable } from "kysely";
import type {
  CheckResult,
  LandMethod,
  RepoConfigOverride,
  SetupResult,
  TaskOverlap,
  LandingRecord,
  LeaseRecord,
  NodeRecord,
  PushRecord,
  ReviewPolicy,
  RunRecord,
  RunState,
  RunWorkspace,
  SystemMode,
  SystemStateRecord,
  TaskRecord,
  TaskSource,
  TaskState,
  WorkspaceKind
} from "./records.js";
import type { NodesTable, LeasesTable, RunsTable, SystemStateTable, TasksTable } from "./schema.js";

/** One ISO form on both engines (PostgreSQL hands back `Date`, SQLite the stored text). */
export function isoOf(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

export function isoOrNull(value: string | Date | null | undefined): string | null {
  return value === null || value === undefined ? null : isoOf(value);
}

function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function jsonOrNull(value: string | null): unknown {
  return value === null ? null : JSON.parse(value);
}

export function toTaskRecord(row: Selectable<TasksTable>): TaskRecord {
  return {
    taskId: row.task_id,
    title: row.title,
    prompt: row.prompt,
    cwd: row.cwd,
    model: row.model,
    priority: Number(row.priority),
    maxAttempts: Number(row.max_attempts),
    timeoutMs: numberOrNull(row.timeout_ms),
    stallTimeoutMs: numberOrNull(row.stall_timeout_ms),
    dependsOn: JSON.parse(row.depends_on) as string[],
    notBefore: isoOrNull(row.not_before),
    approvalPolicy: row.approval_policy,
    sandbox: row.sandbox,
    workspace: row.workspace as WorkspaceKind | null,
    review: row.review as ReviewPolicy | null,
    baseBranch: row.base_branch,
    round: Number(row.round),
    roundInput: row.round_input,
    landing: jsonOrNull(row.landing) as LandingRecord | null,
    push: jsonOrNull(row.push) as PushRecord | null,
    repoConfig: jsonOrNull(row.repo_config) as RepoConfigOverride | null,
    landQueue:
      row.queued_at === null || row.queue_repo === null || row.queue_target === null
        ? null
        : {
            repo: row.queue_repo,
            target: row.queue_target,
            method: (row.queue_method ?? "rebase") as LandMethod,
            queuedAt: isoOf(row.queued_at)
          },
    overlaps: (jsonOrNull(row.overlaps) as TaskOverlap[] | null) ?? [],
    runsOn: jsonOrNull(row.runs_on) as string[] | null,
    idempotencyKey: row.idempotency_key,
    scheduleId: row.schedule_id ?? null,
    scheduledFor: isoOrNull(row.scheduled_for),
    notify: row.notify == null ? [] : (JSON.parse(row.notify) as string[]),
    source: jsonOrNull(row.source) as TaskSource | null,
    state: row.state as TaskState,
    stateReason: row.state_reason,
    attemptsSpent: Number(row.attempts_spent),
    runCount: Number(row.run_count),
    cancelRequested: Number(row.cancel_requested) === 1,
    lastRunId: row.last_run_id,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    endedAt: isoOrNull(row.ended_at)
  };
}

export function toRunRecord(row: Selectable<RunsTable>): RunRecord {
  return {
    runId: row.run_id,
    taskId: row.task_id,
    attempt: Number(row.attempt),
    owner: row.owner,
    term: Number(row.term),
    state: row.state as RunState,
    reason: row.reason,
    sessionId: row.session_id,
    threadId: row.thread_id,
    turnId: row.turn_id,
    workspace: jsonOrNull(row.workspace) as RunWorkspace | null,
    round: Number(row.round),
    leaseExpiresAt: isoOrNull(row.lease_expires_at),
    checks: (jsonOrNull(row.checks) as CheckResult[] | null) ?? [],
    setup: jsonOrNull(row.setup) as SetupResult | null,
    commit: row.commit,
    finalMessage: row.final_message,
    usage: jsonOrNull(row.usage),
    startedAt: isoOf(row.started_at),
    lastEventAt: isoOrNull(row.last_event_at),
    endedAt: isoOrNull(row.ended_at)
  };
}

export function toLeaseRecord(row: Selectable<LeasesTable>): LeaseRecord {
  return {
    scope: row.scope,
    holder: row.holder,
    term: Number(row.term),
    expiresAt: isoOrNull(row.expires_at)
  };
}

export function toSystemStateRecord(row: Selectable<SystemStateTable>): SystemStateRecord {
  return {
    mode: row.mode as SystemMode,
    reason: row.reason,
    changedAt: isoOf(row.changed_at),
    quotaPausedUntil: isoOrNull(row.quota_paused_until),
    quotaReason: row.quota_reason
  };
}

export function toNodeRecord(row: Selectable<NodesTable>, now: string): NodeRecord {
  const alive = isoOf(row.expires_at) > now;
  const draining = Number(row.draining) === 1;
  return {
    nodeId: row.node_id,
    address: row.address,
    labels: JSON.parse(row.labels) as string[],
    capacity: Number(row.capacity),
    running: Number(row.running),
    version: row.version,
    executes: Number(row.executes) === 1,
    draining,
    startedAt: isoOf(row.started_at),
    lastSeenAt: isoOf(row.heartbeat_at),
    expiresAt: isoOf(row.expires_at),
    state: !alive ? "down" : draining ? "draining" : "up"
  };
}
