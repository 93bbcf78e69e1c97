import type { ClaimedRun, ControlStore, HeldLease, RunEnding, TaskState } from "../../src/index.js";

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
  return store.finishRun({ runId, owner: lease.holder, term: lease.term }, { runState, taskState, spendAttempt, ...extra });
}
