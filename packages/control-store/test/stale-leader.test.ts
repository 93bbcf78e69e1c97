import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MULTI_PROCESS_BUSY_MS, withHarness } from "./support/harness.js";
import { lead, SCOPE } from "./support/steps.js";
import { startWorker, withWorkers } from "./support/workers.js";

const TASKS = 40;

interface RunRow {
  run_id: string;
  task_id: string;
  term: number;
  state: string;
}

describe("postgres: a deposed leader keeps writing while the new one takes over", () => {
  test("its writes after the takeover are all fenced; every task succeeds exactly once", (t) =>
    withHarness(
      "postgres",
      (h) =>
        withWorkers(async () => {
          for (let i = 0; i < TASKS; i += 1) await h.store.createTask({ title: `t${i}`, prompt: "p" });
          const old = await lead(h.store, "node-a", 600_000);
          const worker = (holder: string, term: number, holdMs: number) =>
            startWorker({
              open: { ...h.openOptions, migrate: false },
              scope: SCOPE,
              holder,
              term,
              maxBatch: 2,
              flaky: false,
              holdMs
            });
          // The old leader's runs take long enough that the takeover lands while they are in flight.
          const stale = [worker("node-a", old.term, 5_000), worker("node-a", old.term, 5_000)];
          await Promise.race(stale.map((w) => w.waitFor((line) => line.claimed !== undefined)));

          // node-a stops renewing (a pause, a partition): its lease lapses and node-b takes it.
          await h.raw("update leases set expires_at = now() - interval '1 second'");
          const next = await lead(h.store, "node-b", 600_000);
          assert.equal(next.term, old.term + 1);
          const abandoned = await h.store.abandonStaleRuns({
            scope: SCOPE,
            holder: "node-b",
            term: next.term
          });
          assert.ok(abandoned.length >= 1, "the takeover found the old leader's runs in flight");
          const fresh = [worker("node-b", next.term, 0), worker("node-b", next.term, 0)];
          for (const w of [...stale, ...fresh]) assert.equal((await w.exited).code, 0, w.stderr());

          const runs = await h.raw<RunRow>("select run_id, task_id, term, state from runs");
          const state = new Map(runs.map((r) => [r.run_id, r.state]));
          for (const line of stale.flatMap((w) => w.lines)) {
            if (line.finished === undefined) continue;
            // Accepted writes stand; fenced ones changed nothing, and the new leader abandoned those runs.
            assert.equal(state.get(line.finished), line.ok ? "succeeded" : "abandoned", line.finished);
          }
          for (const run of runs.filter((r) => Number(r.term) === old.term))
            assert.ok(["succeeded", "abandoned"].includes(run.state));
          assert.deepEqual(
            runs
              .filter((r) => r.state === "abandoned")
              .map((r) => r.run_id)
              .sort(),
            abandoned.map((r) => r.runId).sort(),
            "only what abandonStaleRuns ended is abandoned"
          );
          const succeeded = runs.filter((r) => r.state === "succeeded");
          assert.equal(succeeded.length, TASKS);
          assert.equal(
            new Set(succeeded.map((r) => r.task_id)).size,
            TASKS,
            "each task succeeded exactly once"
          );
          assert.equal((await h.store.countTasksByState()).succeeded, TASKS);
          const fenced = stale
            .flatMap((w) => w.lines)
            .filter((line) => line.finished !== undefined && !line.ok).length;
          assert.ok(
            fenced >= abandoned.length,
            "every run abandoned in flight was later completed by its old owner, and fenced"
          );
          t.diagnostic(`abandoned at takeover: ${abandoned.length}; stale completions fenced: ${fenced}`);
        }),
      { realClock: true, busyTimeoutMs: MULTI_PROCESS_BUSY_MS }
    ));
});
