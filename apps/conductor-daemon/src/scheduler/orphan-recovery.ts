import type { ControlStore, RunRecord } from "@baa/control-store";
import type { Logger } from "pino";

export interface OrphanRecoveryDeps {
  store: Pick<ControlStore, "listRunningRuns" | "finishRun">;
  nodeId: string;
  /** Stops the turn a run left going in codexd (already ended is fine). */
  interruptTurn(run: RunRecord): Promise<void>;
  logger: Logger;
}

/**
 * Ends as `abandoned` (task queued again, no attempt spent) every run the store shows
 * `running` under this node's id that no executor here runs: what a restart of this node left
 * behind. A takeover from another node renews no term of ours, so the lease keeper's
 * abandonStaleRuns does not see these. The write is fenced by the run's own owner and term.
 */
export async function recoverOwnRuns(
  deps: OrphanRecoveryDeps,
  localRunIds: ReadonlySet<string>
): Promise<RunRecord[]> {
  const orphans = (await deps.store.listRunningRuns()).filter(
    (run) => run.owner === deps.nodeId && !localRunIds.has(run.runId)
  );
  const recovered: RunRecord[] = [];
  for (const run of orphans) {
    await deps.interruptTurn(run).catch((error: unknown) => {
      deps.logger.warn({ err: error, runId: run.runId }, "could not interrupt the turn of an orphaned run");
    });
    const written = await deps.store.finishRun(
      { runId: run.runId, owner: run.owner, term: run.term },
      {
        runState: "abandoned",
        taskState: "queued",
        reason: "its conductor restarted while it ran",
        notBefore: null,
        spendAttempt: false
      }
    );
    if (written) recovered.push(run);
    deps.logger.info(
      { runId: run.runId, taskId: run.taskId, written },
      "run left by an earlier process abandoned; task queued again"
    );
  }
  return recovered;
}
