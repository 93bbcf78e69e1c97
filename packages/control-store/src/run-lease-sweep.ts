import { holdsLease } from "./lease.js";
import { RUN_LEASE_SCOPE } from "./node-writes.js";
import type { RunRecord } from "./records.js";
import { abandonRun } from "./run-writes.js";
import { rowLocks, type StoreContext } from "./store-context.js";

/**
 * Leader only (a duty that must run once): every node-claimed run whose lease lapsed — its
 * node died, froze or lost the store — ends `abandoned`, its task queued again without spending
 * an attempt. Its owner's late writes are then fenced out (the run is no longer running).
 * Returns the runs, so their turns can be stopped where that is possible.
 */
export async function expireRunLeases(
  ctx: StoreContext,
  leader: { scope: string; holder: string; term: number }
): Promise<RunRecord[]> {
  return ctx.write(async (trx, now) => {
    if (!(await holdsLease(ctx, trx, leader, now, "share"))) return [];
    const lapsed = await trx
      .selectFrom("runs")
      .selectAll()
      .where("scope", "=", RUN_LEASE_SCOPE)
      .where("state", "=", "running")
      .where("lease_expires_at", "<=", now)
      .orderBy("run_id")
      .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate().skipLocked())
      .execute();
    const ended: RunRecord[] = [];
    for (const run of lapsed) {
      ended.push(
        await abandonRun(
          ctx,
          trx,
          run,
          `the run lease of ${run.owner} expired (its node stopped renewing it)`,
          now
        )
      );
    }
    return ended;
  });
}

/**
 * Leader only: a queued task that names labels no live node has says so in its reason (and
 * loses that reason once such a node is up), so a person sees why it waits.
 */
export async function notePlacement(ctx: StoreContext): Promise<number> {
  return ctx.write(async (trx, now) => {
    const nodes = await trx
      .selectFrom("nodes")
      .select("labels")
      .where("expires_at", ">", now)
      .where("executes", "=", 1)
      .execute();
    const labelSets = nodes.map((node) => new Set(JSON.parse(node.labels) as string[]));
    const waiting = await trx
      .selectFrom("tasks")
      .select(["task_id", "runs_on", "state_reason"])
      .where("state", "=", "queued")
      .where("runs_on", "is not", null)
      .execute();
    let changed = 0;
    for (const task of waiting) {
      const wanted = JSON.parse(task.runs_on as string) as string[];
      const runnable = labelSets.some((labels) => wanted.every((label) => labels.has(label)));
      const reason = runnable
        ? null
        : `no live node has the labels ${wanted.join(", ")} (runsOn); it waits for one`;
      const ours = task.state_reason?.startsWith("no live node has the labels") === true;
      if (reason === null ? !ours : reason === task.state_reason) continue;
      await trx
        .updateTable("tasks")
        .set({ state_reason: reason })
        .where("task_id", "=", task.task_id)
        .where("state", "=", "queued")
        .execute();
      changed += 1;
    }
    return changed;
  });
}
