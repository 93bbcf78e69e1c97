import assert from "node:assert/strict";
import {
  ENDED_TASK_STATES,
  RUN_LEASE_SCOPE,
  TASK_STATES as ALL_TASK_STATES,
  type TaskState
} from "../../src/index.js";
import { isoOf } from "../../src/row-mapping.js";
import type { Harness } from "./harness.js";

export interface TaskRow {
  task_id: string;
  state: string;
  max_attempts: number;
  attempts_spent: number;
  run_count: number;
  cancel_requested: number;
  last_run_id: string | null;
  ended_at: string | Date | null;
}
export interface RunRow {
  run_id: string;
  task_id: string;
  attempt: number;
  owner: string;
  term: number;
  state: string;
  scope: string;
}
export interface Snapshot {
  tasks: Array<Record<string, unknown>>;
  runs: Array<Record<string, unknown>>;
  leases: Array<Record<string, unknown>>;
}

/** Every row of the tables a run write may touch, for "a stale write changed nothing". */
export async function snapshot(h: Harness): Promise<Snapshot> {
  return {
    tasks: await h.raw("select * from tasks order by seq"),
    runs: await h.raw("select * from runs order by run_id"),
    leases: await h.raw("select * from leases order by scope")
  };
}

/** What the test knows that the store must agree with. */
export interface Expectations {
  createdTasks: number;
  /** Who held each term (from successful acquires). */
  termHolder: Map<number, string>;
  /** Attempts spent per task as the test counted them from accepted run endings. */
  spent: Map<string, number>;
  ttlMs: number;
}

const ACTIVE = new Set(["running", "needs_approval"]);
const TASK_STATES = new Set<string>(ALL_TASK_STATES);

/** Invariants 1, 2, 4, 5, 6 and 7 of the control-plane design, read from the tables. */
export async function assertInvariants(h: Harness, expect: Expectations): Promise<void> {
  const tasks = (await h.raw<TaskRow>(
    "select task_id, state, max_attempts, attempts_spent, run_count, cancel_requested, last_run_id, ended_at from tasks"
  )) as TaskRow[];
  const runs = (await h.raw<RunRow>(
    "select run_id, task_id, attempt, owner, term, state, scope from runs"
  )) as RunRow[];
  const runsOf = new Map<string, RunRow[]>();
  for (const run of runs) runsOf.set(run.task_id, [...(runsOf.get(run.task_id) ?? []), run]);

  // 4: no task disappears, and every task's state is explained by its runs.
  assert.equal(tasks.length, expect.createdTasks, "invariant 4: tasks never disappear");
  for (const task of tasks) {
    assert.ok(TASK_STATES.has(task.state), `unknown state ${task.state}`);
    // An end time exactly when the state is an ended one (in_review and landing are not).
    assert.equal(
      task.ended_at !== null,
      ENDED_TASK_STATES.has(task.state as TaskState),
      `${task.task_id} is ${task.state}, ended_at ${task.ended_at}`
    );
    const own = (runsOf.get(task.task_id) ?? []).sort((a, b) => Number(a.attempt) - Number(b.attempt));
    const live = own.filter((r) => r.state === "running");
    // 1: at most one running run per task.
    assert.ok(live.length <= 1, `invariant 1: ${task.task_id} has ${live.length} running runs`);
    if (ACTIVE.has(task.state)) {
      assert.equal(
        live[0]?.run_id,
        task.last_run_id,
        `invariant 4: ${task.task_id} is ${task.state} without its run running`
      );
    } else {
      assert.equal(live.length, 0, `invariant 4: ${task.task_id} is ${task.state} with a running run`);
    }
    // 6: attempts only grow (1..n, no gaps), spent attempts are the task's own failures, bounded by maxAttempts.
    assert.deepEqual(
      own.map((r) => Number(r.attempt)),
      own.map((_, i) => i + 1),
      `invariant 6: attempts of ${task.task_id}`
    );
    assert.equal(own.length, Number(task.run_count));
    assert.equal(
      Number(task.attempts_spent),
      expect.spent.get(task.task_id) ?? 0,
      `invariant 6: spent of ${task.task_id}`
    );
    assert.ok(
      Number(task.attempts_spent) <= Number(task.max_attempts),
      `invariant 6: ${task.task_id} overspent`
    );
    // 7: a cancel request is never left waiting in the queue.
    if (Number(task.cancel_requested) === 1) {
      assert.ok(
        task.state !== "queued" && task.state !== "blocked",
        `invariant 7: ${task.task_id} cancel requested but ${task.state}`
      );
    }
  }
  // 2: every run was claimed by the holder of its term; a node's run (epoch 0) by a node that beat.
  const nodes = new Set(
    (await h.raw<{ node_id: string }>("select node_id from nodes")).map((row) => row.node_id)
  );
  for (const run of runs) {
    if (run.scope === RUN_LEASE_SCOPE) {
      assert.ok(
        nodes.has(run.owner) && Number(run.term) === 0,
        `invariant 2: ${run.run_id} claimed by ${run.owner}, no node`
      );
      continue;
    }
    assert.equal(
      run.owner,
      expect.termHolder.get(Number(run.term)),
      `invariant 2: ${run.run_id} claimed by a non-holder`
    );
  }
  // 5: lease time is the store's clock: a held lease expires at most one TTL from now.
  const now = (await h.store.now()).toISOString();
  const leases = await h.raw<{ expires_at: string | Date | null }>("select expires_at from leases");
  for (const lease of leases) {
    if (lease.expires_at === null) continue;
    const ms = Date.parse(isoOf(lease.expires_at)) - Date.parse(now);
    assert.ok(ms <= expect.ttlMs, `invariant 5: lease expires ${ms} ms from now`);
  }
}
