import type { ColumnType, Generated } from "kysely";

/** Timestamps are written as ISO strings; PostgreSQL reads them back as `Date` (timestamptz). */
export type Timestamp = ColumnType<string | Date, string, string>;
/** PostgreSQL returns bigint columns as strings; SQLite as numbers. */
export type BigCount = ColumnType<number | string, number, number>;

export interface TasksTable {
  /** Insertion order: ties in priority run oldest first, and list cursors point at it. */
  seq: Generated<number | string>;
  task_id: string;
  title: string;
  prompt: string;
  cwd: string | null;
  model: string | null;
  priority: number;
  max_attempts: number;
  timeout_ms: BigCount | null;
  /** Added in migration 2. */
  stall_timeout_ms: BigCount | null;
  /** JSON array, in the order given; `task_dependencies` is what queries use. */
  depends_on: string;
  not_before: Timestamp | null;
  approval_policy: string | null;
  sandbox: string | null;
  /** Added in migration 2. */
  workspace: string | null;
  /** Added in migration 3: ReviewPolicy or null. */
  review: string | null;
  base_branch: string | null;
  /** 1 unless given (the column's default). */
  round: Generated<number>;
  round_input: string | null;
  /** JSON LandingRecord. */
  landing: string | null;
  /** JSON PushRecord. */
  push: string | null;
  /** Migration 4: JSON RepoConfigOverride. */
  repo_config: string | null;
  /** Migration 4: a land queue's repository, target and method, and when the task joined it. */
  queue_repo: string | null;
  queue_target: string | null;
  queue_method: string | null;
  queued_at: Timestamp | null;
  /** Migration 8: JSON string[]: labels a node must have to claim the task. */
  runs_on: string | null;
  /** Migration 4: JSON TaskOverlap[]. */
  overlaps: string | null;
  idempotency_key: string | null;
  /** Migration 5: the schedule and fire time that created the task (unique together). */
  schedule_id: string | null;
  scheduled_for: Timestamp | null;
  /** Migration 7: JSON array of the task's own notification URLs. */
  notify: string | null;
  /** Migration 6: JSON TaskSource (where an outside intake found the task). */
  source: string | null;
  /** Migration 6: unique when set, e.g. `github:owner/repo#12`. */
  external_key: string | null;
  state: string;
  state_reason: string | null;
  attempts_spent: number;
  run_count: number;
  /** 0 or 1 (one representation on both engines). */
  cancel_requested: number;
  last_run_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at: Timestamp | null;
}

export interface TaskDependenciesTable {
  task_id: string;
  depends_on: string;
}

export interface RunsTable {
  run_id: string;
  task_id: string;
  /** The lease scope the run was claimed under; fencing reads that lease's term. */
  scope: string;
  attempt: number;
  owner: string;
  term: number;
  state: string;
  reason: string | null;
  session_id: string | null;
  thread_id: string | null;
  turn_id: string | null;
  /** JSON RunWorkspace; added in migration 2. */
  workspace: string | null;
  /** Added in migration 3. */
  round: Generated<number>;
  commit: string | null;
  /** Migration 4: JSON CheckResult[] and SetupResult. */
  checks: string | null;
  setup: string | null;
  final_message: string | null;
  /** JSON as Codex reported it. */
  usage: string | null;
  started_at: Timestamp;
  /** Added in migration 2. */
  last_event_at: Timestamp | null;
  ended_at: Timestamp | null;
  /** Migration 8: a run claimed by a node (not the leader) holds its own lease until then. */
  lease_expires_at: Timestamp | null;
}

export interface LeasesTable {
  scope: string;
  holder: string | null;
  term: number;
  expires_at: Timestamp | null;
}

export interface SystemStateTable {
  id: number;
  mode: string;
  reason: string | null;
  changed_at: Timestamp;
  /** Added in migration 2. */
  quota_paused_until: Timestamp | null;
  quota_reason: string | null;
}

/** Migration 6: webhook deliveries already acted on (bounded retention). */
export interface GitHubDeliveriesTable {
  delivery_id: string;
  received_at: Timestamp;
}

/** Migration 6: one row per task and comment kind; `sending` before the call, `sent` after. */
export interface GitHubCommentsTable {
  task_id: string;
  kind: string;
  state: string;
  comment_id: BigCount | null;
  url: string | null;
  attempts: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Added in migration 5. */
export interface SchedulesTable {
  schedule_id: string;
  name: string;
  cron: string;
  timezone: string;
  catch_up: string;
  /** 0 or 1. */
  paused: number;
  /** JSON ScheduledTask: what each fire creates. */
  task: string;
  /** Null while paused. */
  next_fire_at: Timestamp | null;
  last_fire_at: Timestamp | null;
  last_task_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Added in migration 7: written by a trigger on `tasks.state`, consumed by the dispatchers. */
export interface NotificationEventsTable {
  seq: Generated<number | string>;
  task_id: string;
  event: string;
  occurred_at: Timestamp;
}

/** Added in migration 7: one row per event and URL; its id is the `X-Baa-Delivery` header. */
export interface NotificationDeliveriesTable {
  delivery_id: string;
  task_id: string;
  event: string;
  url: string;
  /** The exact bytes sent (and signed) on every attempt. */
  body: string;
  /** pending, delivered or failed. */
  state: string;
  attempts: number;
  next_attempt_at: Timestamp;
  give_up_at: Timestamp;
  lease_token: string | null;
  lease_until: Timestamp | null;
  last_status: number | null;
  last_error: string | null;
  last_attempt_at: Timestamp | null;
  /** The last attempt that did not deliver; kept after a later delivery (the status's last failure). */
  last_failed_at: Timestamp | null;
  created_at: Timestamp;
  finished_at: Timestamp | null;
}

export interface NodesTable {
  node_id: string;
  address: string | null;
  /** JSON string[]. */
  labels: string;
  capacity: number;
  running: number;
  version: string | null;
  /** 0 or 1: an API-only node (BAA_EXECUTE=false) claims nothing. */
  executes: number;
  /** 0 or 1: claims nothing new; its runs finish. */
  draining: number;
  started_at: Timestamp;
  heartbeat_at: Timestamp;
  expires_at: Timestamp;
}

export interface StoreSchema {
  nodes: NodesTable;
  tasks: TasksTable;
  task_dependencies: TaskDependenciesTable;
  runs: RunsTable;
  leases: LeasesTable;
  system_state: SystemStateTable;
  github_deliveries: GitHubDeliveriesTable;
  github_comments: GitHubCommentsTable;
  schedules: SchedulesTable;
  notification_events: NotificationEventsTable;
  notification_deliveries: NotificationDeliveriesTable;
}
