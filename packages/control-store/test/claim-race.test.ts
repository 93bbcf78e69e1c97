import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CancelOutcome } from "../src/index.js";
import { isoOf } from "../src/row-mapping.js";
import { MULTI_PROCESS_BUSY_MS, withHarness, type EngineKind } from "./support/harness.js";
import { lead, SCOPE } from "./support/steps.js";
import { startWorker, withWorkers } from "./support/workers.js";

const WORKERS = 3;
const TASKS = 45;
/** Task i is flaky (fails once, retried) when i % 4 == 0, times out when i % 4 == 1. */
const KIND_OF = (i: number) => (i % 4 === 0 ? "flaky" : i % 4 === 1 ? "timeout" : "task");
/** The test asks to cancel every fifth task while the workers run. */
const CANCEL_EVERY = 5;

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
    test("with completions, retries, timeouts and cancels at once: each attempt claimed once, no task ever runs twice at once", (t) =>
      withHarness(
        kind,
        (h) =>
          withWorkers(async () => {
            const ids: string[] = [];
            for (let i = 0; i < TASKS; i += 1) {
              ids.push(
                (await h.store.createTask({ title: `${KIND_OF(i)}-${i}`, prompt: "p", priority: i % 3 })).task
                  .taskId
              );
            }
            const l = await lead(h.store, "leader", 600_000);
            const workers = Array.from({ length: WORKERS }, () =>
              startWorker({
                open: { ...h.openOptions, migrate: false },
                scope: SCOPE,
                holder: l.holder,
                term: l.term,
                maxBatch: 3,
                flaky: true
              })
            );
            // Cancels race the claims: each lands on a waiting, running or ended task.
            const cancels = new Map<string, { outcome: CancelOutcome; runCount: number }>();
            await Promise.all(workers.map((w) => w.waitFor((line) => line.ready !== undefined)));
            for (let i = 0; i < TASKS; i += CANCEL_EVERY) {
              const result = await h.store.requestCancel(ids[i] as string, "cancelled by the race test");
              cancels.set(ids[i] as string, { outcome: result!.outcome, runCount: result!.task.runCount });
            }
            const exits = await Promise.all(workers.map((w) => w.exited));
            for (const [i, exit] of exits.entries()) {
              assert.equal(exit.code, 0, `worker ${i}: ${workers[i]?.stderr()}`);
            }

            const claims = workers.flatMap((w) => w.lines.filter((line) => line.claimed !== undefined));
            const keys = claims.map((c) => `${c.claimed}#${c.attempt}`);
            assert.equal(new Set(keys).size, keys.length, "no (task, attempt) claimed twice");
            assert.ok(
              workers.every((w) =>
                w.lines.filter((line) => line.finished !== undefined).every((line) => line.ok)
              ),
              "no completion was fenced"
            );

            const runs = await h.raw<RunRow>(
              "select run_id, task_id, attempt, state, started_at, ended_at from runs order by task_id, attempt"
            );
            const byTask = new Map<string, RunRow[]>();
            for (const run of runs) byTask.set(run.task_id, [...(byTask.get(run.task_id) ?? []), run]);
            for (const [i, taskId] of ids.entries()) {
              const task = (await h.store.getTask(taskId))!;
              const taskRuns = byTask.get(taskId) ?? [];
              assert.equal(
                claims.filter((c) => c.claimed === taskId).length,
                taskRuns.length,
                `${taskId}: claims vs runs`
              );
              assert.deepEqual(
                taskRuns.map((r) => Number(r.attempt)),
                taskRuns.map((_, n) => n + 1),
                taskId
              );
              assert.ok(
                taskRuns.every((r) => r.state !== "running"),
                `${taskId}: left running`
              );
              for (let n = 1; n < taskRuns.length; n += 1) {
                const previous = taskRuns[n - 1] as RunRow;
                const current = taskRuns[n] as RunRow;
                assert.ok(
                  previous.ended_at !== null && isoOf(previous.ended_at) <= isoOf(current.started_at),
                  `${taskId}: runs overlap`
                );
              }
              const cancel = cancels.get(taskId);
              const natural = KIND_OF(i) === "timeout" ? "timed_out" : "succeeded";
              if (cancel?.outcome === "cancelled") {
                assert.equal(task.state, "cancelled", taskId);
                assert.equal(task.runCount, cancel.runCount, `${taskId}: claimed after it was cancelled`);
              } else if (cancel?.outcome === "requested") {
                // The run in flight decides: work that finished stays finished; a retry becomes a cancel.
                assert.ok([natural, "cancelled"].includes(task.state), `${taskId}: ${task.state}`);
              } else {
                assert.equal(task.state, natural, taskId);
                assert.equal(taskRuns.length, KIND_OF(i) === "flaky" ? 2 : 1, taskId);
              }
            }
            const outcomes = [...cancels.values()].map((c) => c.outcome);
            const perWorker = workers.map((w) => w.lines.filter((line) => line.claimed !== undefined).length);
            t.diagnostic(
              `claims per worker: ${perWorker.join(", ")}; cancel outcomes: ${outcomes.join(", ")}`
            );
          }),
        { realClock: true, busyTimeoutMs: MULTI_PROCESS_BUSY_MS }
      ));
  });
}
