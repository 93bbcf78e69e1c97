import { sql } from "kysely";
import type { ClaimedRun } from "./control-store.js";
import { DONE_DEPENDENCY, FAILED_DEPENDENCY } from "./dependency-states.js";
import { holdsLease } from "./lease.js";
import { isoOrNull, toRunRecord, toTaskRecord } from "./row-mapping.js";
import { addMs, rowLocks, type StoreContext, type Trx } from "./store-context.js";
import { RUN_LEASE_SCOPE } from "./node-writes.js";
import type { ClaimOptions } from "./claim-options.js";
export type { ClaimOptions } from "./claim-options.js";

/**
 * The claiming node's labels while its heartbeat row is current, it executes and it is not
 * draining (invariant 2 for nodes); null otherwise. A plain read, no row lock: a share lock
 * here queued the node's own heartbeat (an update of that row) behind every claim in flight,
 * and the claims behind the heartbeat; a drain that races a claim lets that one claim through,
 * and its runs finish as a drain's do.
 */
async function liveNodeLabels(trx: Trx, nodeId: string, now: string): Promise<ReadonlySet<string> | null> {
  const node = await trx
    .selectFrom("nodes")
    .select("labels")
    .where("node_id", "=", nodeId)
    .where("expires_at", ">", now)
    .where("draining", "=", 0)
    .where("executes", "=", 1)
    .executeTakeFirst();
  return node === undefined ? null : new Set(JSON.parse(node.labels) as string[]);
}

/** A task's `runs_on` labels all among the node's. */
function placeable(runsOn: string | null, labels: ReadonlySet<string> | null): boolean {
  if (runsOn === null) return true;
  return (JSON.parse(runsOn) as string[]).every((label) => labels?.has(label) === true);
}

async function anyBlocked(trx: Trx): Promise<boolean> {
  return (
    (await trx.selectFrom("tasks").select("task_id").where("state", "=", "blocked").executeTakeFirst()) !==
    undefined
  );
}

/** PostgreSQL: the system row, unless another claimer holds it (then it promotes, not us). SQLite has one writer. */
async function tryPromotionLock(ctx: StoreContext, trx: Trx): Promise<boolean> {
  if (!rowLocks(ctx.kind)) return true;
  const row = await trx
    .selectFrom("system_state")
    .select("id")
    .where("id", "=", 1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  return row !== undefined;
}

/** Dependency chains fail one link per pass; a bound keeps a pathological chain from holding the writer. */
const MAX_CASCADE_PASSES = 64;

/**
 * Blocked tasks: fail those with a failed, cancelled, timed-out or discarded dependency
 * (transitively), then queue those whose dependencies are all done (succeeded or landed) and
 * whose notBefore has passed.
 */
async function promoteBlocked(trx: Trx, now: string): Promise<void> {
  const anyBlocked = await trx
    .selectFrom("tasks")
    .select("task_id")
    .where("state", "=", "blocked")
    .executeTakeFirst();
  if (!anyBlocked) return;
  for (let pass = 0; pass < MAX_CASCADE_PASSES; pass += 1) {
    const doomed = await trx
      .selectFrom("task_dependencies as d")
      .innerJoin("tasks as t", "t.task_id", "d.task_id")
      .innerJoin("tasks as dep", "dep.task_id", "d.depends_on")
      .select(["d.task_id", "d.depends_on", "dep.state"])
      .where("t.state", "=", "blocked")
      .where("dep.state", "in", FAILED_DEPENDENCY)
      .orderBy("d.task_id")
      .execute();
    if (doomed.length === 0) break;
    const seen = new Set<string>();
    for (const row of doomed) {
      if (seen.has(row.task_id)) continue;
      seen.add(row.task_id);
      await trx
        .updateTable("tasks")
        .set({
          state: "failed",
          state_reason: `dependency ${row.depends_on} ended ${row.state}`,
          ended_at: now,
          updated_at: now
        })
        .where("task_id", "=", row.task_id)
        .where("state", "=", "blocked")
        .execute();
    }
  }
  await trx
    .updateTable("tasks")
    .set({ state: "queued", updated_at: now })
    .where("state", "=", "blocked")
    .where((eb) => eb.or([eb("not_before", "is", null), eb("not_before", "<=", now)]))
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom("task_dependencies as d")
            .innerJoin("tasks as dep", "dep.task_id", "d.depends_on")
            .select(sql.lit(1).as("one"))
            .whereRef("d.task_id", "=", "tasks.task_id")
            .where("dep.state", "not in", DONE_DEPENDENCY)
        )
      )
    )
    .execute();
}

/** Whether the system mode and the usage-limit pause let the leader claim at `now`. */
async function claimingAllowed(trx: Trx, now: string): Promise<boolean> {
  const row = await trx.selectFrom("system_state").selectAll().where("id", "=", 1).executeTakeFirst();
  if (row?.mode !== "running") return false;
  const until = isoOrNull(row.quota_paused_until);
  return until === null || until <= now;
}

/**
 * Invariant 2: one transaction checks the lease, then claims due queued tasks by priority then
 * age. PostgreSQL skips rows another claimer holds (`FOR UPDATE SKIP LOCKED`); SQLite's
 * `BEGIN IMMEDIATE` lets one writer in at a time.
 */
export async function claimTasks(ctx: StoreContext, options: ClaimOptions): Promise<ClaimedRun[]> {
  const nodeMode = options.scope === RUN_LEASE_SCOPE;
  if (nodeMode && !((options.runLeaseTtlMs ?? 0) > 0))
    throw new TypeError("a node's claim needs runLeaseTtlMs");
  return ctx.write(async (trx, now) => {
    let labels: ReadonlySet<string> | null = null;
    if (nodeMode) {
      labels = await liveNodeLabels(trx, options.holder, now);
      if (labels === null) return [];
      // Every node claims; one of them at a time moves blocked tasks along (the others skip it),
      // and only when there are any: the lock is the one mode changes wait on.
      if ((await anyBlocked(trx)) && (await tryPromotionLock(ctx, trx))) await promoteBlocked(trx, now);
    } else {
      if (!(await holdsLease(ctx, trx, options, now, "share"))) return [];
      await promoteBlocked(trx, now);
    }
    if (!(options.limit >= 1) || !(await claimingAllowed(trx, now))) return [];
    const limit = Math.floor(options.limit);
    const candidates = await trx
      .selectFrom("tasks")
      .selectAll()
      .where("state", "=", "queued")
      .where((eb) => eb.or([eb("not_before", "is", null), eb("not_before", "<=", now)]))
      .orderBy("priority", "desc")
      .orderBy("seq", "asc")
      // A node may have to pass over tasks it cannot run (labels, cwd): look a little further.
      .limit(nodeMode ? limit * 4 + 16 : limit)
      .$if(rowLocks(ctx.kind), (qb) => qb.forUpdate().skipLocked())
      .execute();
    const due = nodeMode
      ? candidates
          .filter((row) => placeable(row.runs_on, labels) && (options.accepts?.(toTaskRecord(row)) ?? true))
          .slice(0, limit)
      : candidates;
    if (due.length === 0) return [];
    const startedAt = await ctx.clock(trx);
    const claimed: ClaimedRun[] = [];
    for (const task of due) {
      const attempt = Number(task.run_count) + 1;
      const run = await trx
        .insertInto("runs")
        .values({
          run_id: ctx.newId("run"),
          task_id: task.task_id,
          scope: options.scope,
          attempt,
          owner: options.holder,
          // A node's run is fenced by its own lease and epoch (0 at claim), not a leader term.
          term: nodeMode ? 0 : options.term,
          lease_expires_at: nodeMode ? addMs(startedAt, options.runLeaseTtlMs as number) : null,
          state: "running",
          reason: null,
          session_id: null,
          thread_id: null,
          turn_id: null,
          workspace: null,
          round: Number(task.round),
          commit: null,
          final_message: null,
          usage: null,
          started_at: startedAt,
          last_event_at: null,
          ended_at: null
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      const updated = await trx
        .updateTable("tasks")
        .set({ state: "running", run_count: attempt, last_run_id: run.run_id, updated_at: startedAt })
        .where("task_id", "=", task.task_id)
        .returningAll()
        .executeTakeFirstOrThrow();
      claimed.push({ task: toTaskRecord(updated), run: toRunRecord(run) });
    }
    return claimed;
  });
}
