import type {
  ClaimedRun,
  ControlStore,
  HeldLease,
  NewTask,
  RunEnding,
  RunRecord,
  TaskRecord,
  TaskState
} from "../../src/index.js";

export const SCOPE = "scheduler";
export const TTL_MS = 30_000;

/** Takes the lease for `holder` (fails the test when another holds it). */
export async function lead(store: ControlStore, holder: string, ttlMs = TTL_MS): Promise<HeldLease> {
  const lease = await store.acquireLease({ scope: SCOPE, holder, ttlMs });
  if (!lease) throw new Error(`${holder} could not take the lease`);
  return lease;
}

export function claimAll(store: ControlStore, lease: HeldLease, limit: number): Promise<ClaimedRun[]> {
  return store.claimTasks({ scope: SCOPE, holder: lease.holder, term: lease.term, limit });
}

export function finish(
  store: ControlStore,
  lease: { holder: string; term: number },
  runId: string,
  runState: RunEnding["runState"],
  taskState: TaskState,
  spendAttempt: boolean,
  extra: Partial<RunEnding> = {}
): Promise<boolean> {
  return store.finishRun(
    { runId, owner: lease.holder, term: lease.term },
    { runState, taskState, spendAttempt, ...extra }
  );
}

/**
 * Creates a task and runs it to `in_review` the way the conductor does: claim it, record the
 * base branch its worktree came from, end the run with a commit. Expects nothing else queued.
 */
export async function runToReview(
  store: ControlStore,
  lease: HeldLease,
  task: Partial<NewTask> = {},
  baseBranch: string | null = "main"
): Promise<{ task: TaskRecord; run: RunRecord }> {
  const created = (
    await store.createTask({ title: "t", prompt: "p", workspace: "worktree", review: "required", ...task })
  ).task;
  const [claim] = await claimAll(store, lease, 1);
  if (claim?.task.taskId !== created.taskId)
    throw new Error(`claimed ${claim?.task.taskId} instead of ${created.taskId}`);
  const fence = { runId: claim.run.runId, owner: lease.holder, term: lease.term };
  if (baseBranch !== null && !(await store.updateRun(fence, { baseBranch })))
    throw new Error("updateRun was fenced");
  if (
    !(await finish(store, lease, claim.run.runId, "succeeded", "in_review", false, {
      commit: `c-${claim.run.runId}`
    }))
  ) {
    throw new Error("finishRun was fenced");
  }
  return { task: (await store.getTask(created.taskId))!, run: (await store.getRun(claim.run.runId))! };
}
