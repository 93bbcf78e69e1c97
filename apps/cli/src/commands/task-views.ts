import { table } from "../output.js";

/** The parts of the conductor's task record `baa` shows (see @baa/control-store records.ts). */
export interface TaskView {
  taskId: string;
  title: string;
  prompt: string;
  state: string;
  stateReason: string | null;
  priority: number;
  maxAttempts: number;
  attemptsSpent: number;
  runCount: number;
  cwd: string | null;
  dependsOn: string[];
  lastRunId: string | null;
  createdAt: string;
  endedAt: string | null;
  /** Older conductors leave these out; every reader below treats undefined as unset. */
  review?: "required" | "none" | "auto_land" | null;
  baseBranch?: string | null;
  round?: number;
  roundInput?: string | null;
  landing?: LandingView | null;
  /** Its place in a merge queue, while queued. */
  landQueue?: { repo: string; target: string; method: string; queuedAt: string } | null;
  /** Other open tasks that changed some of the same paths. */
  overlaps?: Array<{ taskId: string; paths: string[] }>;
  push?: { remote: string; branch: string; commit: string; pushedAt: string } | null;
}

export interface LandingView {
  method: string;
  target: string;
  commit: string;
  remote: string | null;
  pullRequest: { number: number; url: string } | null;
  landedAt: string;
}

export interface RunView {
  runId: string;
  taskId?: string;
  /** 1 for a task's first run; only grows. */
  attempt: number;
  state: string;
  reason: string | null;
  owner: string;
  sessionId: string | null;
  turnId: string | null;
  finalMessage: string | null;
  workspace: { kind: string; path: string; branch: string | null; baseCommit?: string | null } | null;
  round?: number;
  commit?: string | null;
  /** The run's folder on its node (runsDir/<runId>), when the conductor says it. */
  folder?: string | null;
  startedAt: string;
  endedAt: string | null;
}

/** Ended for good: `--follow` stops here. */
export const ENDED_TASK_STATES: ReadonlySet<string> = new Set([
  "succeeded",
  "failed",
  "cancelled",
  "timed_out",
  "landed",
  "discarded"
]);
/** Where a followed task stops too: the run is done and a person decides what comes next. */
export const WAITING_TASK_STATES: ReadonlySet<string> = new Set(["in_review"]);
/** Endings that count as the work having worked (exit 0 when followed). */
export const GOOD_TASK_STATES: ReadonlySet<string> = new Set(["succeeded", "landed", "in_review"]);

export const shortSha = (sha: string | null | undefined): string => (sha ? sha.slice(0, 10) : "-");

/** The commands a person runs next on a task that waits in review. */
export function reviewHint(taskId: string): string {
  return `next: baa tasks diff ${taskId} · baa tasks land ${taskId} · baa tasks revise ${taskId} -m "…" · baa tasks discard ${taskId}`;
}

/** Where a task's work went, one line each: the landing and the last push. */
export function landingLines(task: TaskView): string[] {
  const lines: string[] = [];
  const landing = task.landing;
  if (landing) {
    const where =
      landing.remote === null
        ? `${landing.method} into ${landing.target}`
        : `pushed to ${landing.remote} for ${landing.target}`;
    const pr =
      landing.pullRequest === null
        ? ""
        : `, pull request #${landing.pullRequest.number} ${landing.pullRequest.url}`;
    lines.push(`landed ${where} at ${shortSha(landing.commit)} (${landing.landedAt})${pr}`);
  }
  if (task.push && !(landing && landing.remote !== null)) {
    lines.push(
      `pushed ${task.push.branch} to ${task.push.remote} at ${shortSha(task.push.commit)} (${task.push.pushedAt})`
    );
  }
  return lines;
}

/** A run in a few lines: its id and round, its commit, where it worked and its folder. */
export function describeRun(run: RunView): string[] {
  const parts = [`run ${run.runId}${run.taskId ? ` of task ${run.taskId}` : ""}`, `#${run.attempt}`];
  if (run.round !== undefined) parts.push(`round ${run.round}`);
  parts.push(`${run.state}${run.reason ? ` (${run.reason})` : ""}`);
  if (run.commit !== undefined)
    parts.push(run.commit === null ? "no commit" : `commit ${shortSha(run.commit)}`);
  const lines = [parts.join(" · ")];
  const space = run.workspace;
  if (space) {
    const branch = space.branch ? `  branch ${space.branch}` : "";
    const base = space.baseCommit ? `  base ${shortSha(space.baseCommit)}` : "";
    lines.push(
      `  ${space.kind === "worktree" ? "worktree" : `${space.kind} dir`} ${space.path}${branch}${base}`
    );
  }
  if (run.folder) lines.push(`  run folder ${run.folder}`);
  return lines;
}

/** A task for people: state, runs and rounds, where it works, where its work went, what to do next. */
export function describeTask(task: TaskView, runs: readonly RunView[]): string {
  const review = task.review === undefined ? "" : `  review ${task.review ?? "default"}`;
  const lines = [
    `task ${task.taskId}: ${task.title}`,
    `state ${task.state}${task.stateReason ? ` (${task.stateReason})` : ""}  priority ${task.priority}${review}`,
    // maxAttempts bounds the runs that failed by the task's own doing, not the runs: say so.
    `runs ${task.runCount}${task.round === undefined ? "" : ` · round ${task.round}`} · failed attempts ${task.attemptsSpent} of ${task.maxAttempts}`,
    `created ${task.createdAt}${task.endedAt ? `  ended ${task.endedAt}` : ""}`,
    `cwd ${task.cwd ?? "(none: a scratch dir of its own)"}${task.baseBranch ? `  base branch ${task.baseBranch}` : ""}`
  ];
  if (task.dependsOn.length > 0) lines.push(`depends on ${task.dependsOn.join(", ")}`);
  if (task.roundInput) lines.push(`revised with: ${task.roundInput}`);
  lines.push(...landingLines(task));
  if (task.landQueue)
    lines.push(
      `queued to land on ${task.landQueue.target} by ${task.landQueue.method} since ${task.landQueue.queuedAt} (baa queues)`
    );
  for (const overlap of task.overlaps ?? [])
    lines.push(`overlaps ${overlap.taskId} in ${overlap.paths.join(", ")}`);
  if (runs.length > 0) {
    lines.push(
      table(
        ["RUN", "#", "ROUND", "STATE", "COMMIT", "OWNER", "REASON"],
        runs.map((r) => [
          r.runId,
          String(r.attempt),
          r.round === undefined ? "-" : String(r.round),
          r.state,
          shortSha(r.commit),
          r.owner,
          r.reason ?? ""
        ])
      )
    );
    const last = runs.at(-1) as RunView;
    lines.push(...describeRun(last).map((line, index) => (index === 0 ? `last ${line}` : line)));
    if (last.finalMessage) lines.push(`final message: ${last.finalMessage}`);
  }
  if (WAITING_TASK_STATES.has(task.state)) lines.push(reviewHint(task.taskId));
  return lines.join("\n");
}
