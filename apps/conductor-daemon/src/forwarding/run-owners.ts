import type { ControlStore, RunRecord } from "@baa/control-store";

/** The node a request about a run or a task belongs on, and how to say so in a 503. */
export interface Placement {
  nodeId: string;
  /** The start of a `node_unavailable` message: "run run-1 is owned by". */
  subject: string;
}

type RunsStore = Pick<ControlStore, "getRun" | "listRuns">;

const latest = (runs: readonly RunRecord[], keep: (run: RunRecord) => boolean): RunRecord | undefined => {
  let found: RunRecord | undefined;
  for (const run of runs) if (keep(run) && (found === undefined || run.attempt > found.attempt)) found = run;
  return found;
};

/**
 * Which node holds what, read from the runs table: a run's events and folder are on its
 * owner; a task's live stream on the owner of its latest run; its branch and worktree on the
 * owner of its latest run that worked in a worktree. Undefined: nothing to look for elsewhere.
 */
export class RunOwners {
  readonly #store: RunsStore;

  constructor(store: RunsStore) {
    this.#store = store;
  }

  async ofRun(runId: string): Promise<Placement | undefined> {
    const run = await this.#store.getRun(runId);
    return run === undefined ? undefined : { nodeId: run.owner, subject: `run ${runId} is owned by` };
  }

  async ofTaskStream(taskId: string): Promise<Placement | undefined> {
    const run = latest(await this.#store.listRuns(taskId), () => true);
    return run === undefined
      ? undefined
      : { nodeId: run.owner, subject: `task ${taskId}'s latest run ${run.runId} is owned by` };
  }

  async ofWorktree(taskId: string): Promise<Placement | undefined> {
    const run = latest(
      await this.#store.listRuns(taskId),
      (candidate) => candidate.workspace?.kind === "worktree"
    );
    return run === undefined
      ? undefined
      : { nodeId: run.owner, subject: `task ${taskId}'s worktree (run ${run.runId}) is on` };
  }

  async ofRunning(taskId: string): Promise<Placement | undefined> {
    const run = latest(await this.#store.listRuns(taskId), (candidate) => candidate.state === "running");
    return run === undefined
      ? undefined
      : { nodeId: run.owner, subject: `task ${taskId}'s running run ${run.runId} is owned by` };
  }
}
