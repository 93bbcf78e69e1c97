import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isoOf } from "../src/row-mapping.js";
import { withHarness, type EngineKind } from "./support/harness.js";
import { lead, SCOPE } from "./support/steps.js";
import { startWorker } from "./support/workers.js";

const WORKERS = 4;
const TASKS = 60;
const FLAKY_EVERY = 4;

interface RunRow {
  run_id: string;
  task_id: string;
  attempt: number;
  state: string;
  started_at: string | Date;
  ended_at: string | Date | null;
}

for (const kind of ["sqlite", "postgres"] as EngineKind[]) {
  describe(`${kind}: claims racing from ${WORKERS} processes`, () => {
    test("every task is claimed exactly once per attempt, and no task ever has two runs at once", (t) =>
      withHarness(kind, async (h) => {
        const ids: string[] = [];
        for (let i = 0; i < TASKS; i += 1) {
          const title = i % FLAKY_EVERY === 0 ? `flaky-${i}` : `task-${i}`;
          ids.push((await h.store.createTask({ title, prompt: "p", priority: i % 3 })).task.taskId);
        }
        const l = await lead(h.store, "leader", 600_000);
        const workers = Array.from({ length: WORKERS }, () =>
          startWorker({ open: { ...h.openOptions, migrate: false }, scope: SCOPE, holder: l.holder, term: l.term, maxBatch: 3, flaky: true })
        );
        const exits = await Promise.all(workers.map((w) => w.exited));
        exits.forEach((exit, i) => assert.equal(exit.code, 0, `worker ${i}: ${workers[i]?.stderr()}`));

        const claims = workers.flatMap((w) => w.lines.filter((line) => line.claimed !== undefined));
        const keys = claims.map((c) => `${c.claimed}#${c.attempt}`);
        assert.equal(new Set(keys).size, keys.length, "no (task, attempt) claimed twice");
        const flaky = Math.ceil(TASKS / FLAKY_EVERY);
        assert.equal(claims.length, TASKS + flaky);
        assert.ok(workers.every((w) => w.lines.filter((line) => line.finished !== undefined).every((line) => line.ok)), "no completion was fenced");

        const counts = await h.store.countTasksByState();
        assert.equal(counts.succeeded, TASKS);
        const runs = await h.raw<RunRow>("select run_id, task_id, attempt, state, started_at, ended_at from runs order by task_id, attempt");
        const byTask = new Map<string, RunRow[]>();
        for (const run of runs) byTask.set(run.task_id, [...(byTask.get(run.task_id) ?? []), run]);
        assert.deepEqual([...byTask.keys()].sort(), [...ids].sort());
        for (const [taskId, taskRuns] of byTask) {
          assert.deepEqual(taskRuns.map((r) => Number(r.attempt)), taskRuns.map((_, i) => i + 1), taskId);
          assert.equal(taskRuns.filter((r) => r.state === "succeeded").length, 1, taskId);
          for (let i = 1; i < taskRuns.length; i += 1) {
            const previous = taskRuns[i - 1] as RunRow;
            const current = taskRuns[i] as RunRow;
            assert.ok(previous.ended_at !== null && isoOf(previous.ended_at) <= isoOf(current.started_at), `${taskId}: runs overlap`);
          }
        }
        const perWorker = workers.map((w) => w.lines.filter((line) => line.claimed !== undefined).length);
        t.diagnostic(`claims per worker: ${perWorker.join(", ")}`);
      }, { realClock: true }));
  });
}
