import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isoOf } from "../src/row-mapping.js";
import { MULTI_PROCESS_BUSY_MS, withHarness, type EngineKind } from "./support/harness.js";
import { SCOPE } from "./support/steps.js";
import { startWorker, withWorkers } from "./support/workers.js";

const NODES = 3;
const TASKS = 40;

interface RunRow {
  task_id: string;
  attempt: number;
  owner: string;
  state: string;
  started_at: string | Date;
  ended_at: string | Date | null;
}

// Issue 16: every node claims for itself, each run under its own lease; racing from several
// processes, no task is claimed twice and none runs twice at once.
for (const kind of ["sqlite", "postgres"] as EngineKind[]) {
  describe(`${kind}: every node claims, racing from ${NODES} processes`, () => {
    test("each attempt is claimed by one node once; runs of a task never overlap; every completion holds its lease", (t) =>
      withHarness(
        kind,
        (h) =>
          withWorkers(async () => {
            for (let i = 0; i < TASKS; i += 1) {
              await h.store.createTask({
                title: i % 5 === 0 ? `flaky-${i}` : `task-${i}`,
                prompt: "p",
                priority: i % 3
              });
            }
            const workers = Array.from({ length: NODES }, (_, n) =>
              startWorker({
                open: { ...h.openOptions, migrate: false },
                scope: SCOPE,
                holder: `node-${n}`,
                term: 0,
                maxBatch: 2,
                flaky: true,
                holdMs: 5,
                node: { ttlMs: 60_000, runLeaseTtlMs: 60_000 }
              })
            );
            const exits = await Promise.all(workers.map((w) => w.exited));
            for (const [i, exit] of exits.entries()) {
              assert.equal(exit.code, 0, `node ${i}: ${workers[i]?.stderr()}`);
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
              "select task_id, attempt, owner, state, started_at, ended_at from runs order by task_id, attempt"
            );
            const byTask = new Map<string, RunRow[]>();
            for (const run of runs) byTask.set(run.task_id, [...(byTask.get(run.task_id) ?? []), run]);
            assert.equal(byTask.size, TASKS, "every task ran");
            for (const [taskId, taskRuns] of byTask) {
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
            }
            const counts = await h.store.countTasksByState();
            assert.equal(counts.succeeded, TASKS);
            const perNode = workers.map((w) => w.lines.filter((line) => line.claimed !== undefined).length);
            t.diagnostic(`claims per node: ${perNode.join(", ")}`);
            assert.ok(perNode.filter((n) => n > 0).length >= 2, "more than one node claimed");
          }),
        { realClock: true, busyTimeoutMs: MULTI_PROCESS_BUSY_MS }
      ));
  });
}
