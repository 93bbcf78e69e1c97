import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MULTI_PROCESS_BUSY_MS, withHarness, type Harness } from "./support/harness.js";
import { lead, SCOPE } from "./support/steps.js";
import { startWorker, withWorkers, type WorkerLine } from "./support/workers.js";

const TASKS = 60;
/** Kill the claimer after this many completions, one round each; the last round runs to the end. */
const KILL_AFTER = [3, 12, 30];

interface TaskRow {
  task_id: string;
  state: string;
  last_run_id: string | null;
  run_count: number;
}
interface RunRow {
  run_id: string;
  task_id: string;
  state: string;
}

/** What a restarted conductor must find: every task, each in a state its runs explain. */
async function assertConsistent(h: Harness): Promise<{ running: number; succeeded: number }> {
  assert.deepEqual(await h.raw("pragma integrity_check"), [{ integrity_check: "ok" }]);
  const tasks = await h.raw<TaskRow>("select task_id, state, last_run_id, run_count from tasks");
  const runs = await h.raw<RunRow>("select run_id, task_id, state from runs");
  assert.equal(tasks.length, TASKS, "no task lost");
  const runsOf = new Map<string, RunRow[]>();
  for (const run of runs) runsOf.set(run.task_id, [...(runsOf.get(run.task_id) ?? []), run]);
  let running = 0;
  let succeeded = 0;
  for (const task of tasks) {
    const own = runsOf.get(task.task_id) ?? [];
    assert.equal(own.length, Number(task.run_count), `${task.task_id}: run count`);
    const live = own.filter((r) => r.state === "running");
    const won = own.filter((r) => r.state === "succeeded");
    assert.ok(live.length <= 1 && won.length <= 1, `${task.task_id}: ${own.map((r) => r.state)}`);
    if (task.state === "running") {
      running += 1;
      assert.equal(live[0]?.run_id, task.last_run_id, `${task.task_id}: its running run`);
    } else if (task.state === "succeeded") {
      succeeded += 1;
      assert.equal(won[0]?.run_id, task.last_run_id);
      assert.equal(live.length, 0);
    } else {
      assert.equal(task.state, "queued", task.task_id);
      assert.equal(live.length, 0);
    }
  }
  return { running, succeeded };
}

describe("sqlite: kill -9 in the middle of claiming", () => {
  test("loses nothing: every task is still there in a consistent state, and a restart finishes the queue", () =>
    withHarness(
      "sqlite",
      (h) =>
        withWorkers(async () => {
          for (let i = 0; i < TASKS; i += 1) await h.store.createTask({ title: `t${i}`, prompt: "p" });
          let lease = await lead(h.store, "node-a", 600_000);
          const acknowledged = new Set<string>();
          const claimer = () =>
            startWorker({
              open: { ...h.openOptions, migrate: false },
              scope: SCOPE,
              holder: lease.holder,
              term: lease.term,
              maxBatch: 5,
              flaky: false
            });
          const record = (lines: WorkerLine[]) => {
            for (const line of lines) if (line.finished && line.ok) acknowledged.add(line.finished);
          };

          for (const after of KILL_AFTER) {
            const worker = claimer();
            let finished = 0;
            await worker.waitFor((line) => line.finished !== undefined && ++finished >= after);
            worker.child.kill("SIGKILL");
            assert.equal((await worker.exited).signal, "SIGKILL");
            record(worker.lines);
            await assertConsistent(h);
            // Every completion the killed process saw acknowledged is durable.
            const succeededRuns = new Set(
              (await h.raw<RunRow>("select run_id from runs where state = 'succeeded'")).map((r) => r.run_id)
            );
            for (const runId of acknowledged)
              assert.ok(succeededRuns.has(runId), `acknowledged ${runId} was lost`);
            // The restarted node takes a new term and sends what its killed self was running back to the queue.
            const store = await h.reopen();
            lease = (await store.acquireLease({
              scope: SCOPE,
              holder: "node-a",
              ttlMs: 600_000,
              newTerm: true
            }))!;
            const { running } = await assertConsistent(h);
            const abandoned = await store.abandonStaleRuns({
              scope: SCOPE,
              holder: "node-a",
              term: lease.term
            });
            assert.equal(abandoned.length, running);
            assert.equal((await assertConsistent(h)).running, 0);
          }

          const last = claimer();
          assert.equal((await last.exited).code, 0, last.stderr());
          record(last.lines);
          const { succeeded } = await assertConsistent(h);
          assert.equal(succeeded, TASKS);
          assert.equal(acknowledged.size, TASKS, "each task acknowledged succeeded exactly once");
          const extra = await h.raw<RunRow>(
            "select run_id, task_id, state from runs where state not in ('succeeded', 'abandoned')"
          );
          assert.deepEqual(extra, []);
        }),
      { realClock: true, busyTimeoutMs: MULTI_PROCESS_BUSY_MS }
    ));
});
