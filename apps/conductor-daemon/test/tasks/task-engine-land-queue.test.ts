import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { ManualTimers } from "@baa/clock/testing";
import { openControlStore } from "@baa/control-store";
import { makeTempDir } from "@baa/test-support";
import { Registry } from "prom-client";
import { CodexdClient } from "../../src/codexd/codexd-client.js";
import { normalizeConductorConfig } from "../../src/config.js";
import { createSilentLogger } from "../../src/logger.js";
import { registerLandQueueMetrics } from "../../src/metrics/land-queue-metrics.js";
import { TaskEngine } from "../../src/tasks/task-engine.js";
import { sample } from "../helpers/metric-text.js";

const git = (cwd: string, ...args: string[]) => execFileSync("git", args, { cwd, encoding: "utf8" });

/** A repository on `main` with one commit. */
function repoIn(dir: string): string {
  const repo = join(dir, "repo");
  execFileSync("git", ["init", "-q", "-b", "main", repo]);
  git(repo, "config", "user.email", "t@example.com");
  git(repo, "config", "user.name", "t");
  writeFileSync(join(repo, "README.md"), "base\n");
  git(repo, "add", "-A");
  git(repo, "commit", "-q", "-m", "base");
  return repo;
}

/**
 * A task engine (not started) on a SQLite store, counting the merge queue into its own registry;
 * its codexd is never called. The caller's `t.after` closes what it opened.
 */
async function setup(t: test.TestContext) {
  const dir = makeTempDir("engine-land-queue-");
  const repo = repoIn(dir.root);
  const stateDir = join(dir.root, "state");
  const timers = new ManualTimers({ epochMs: Date.parse("2030-01-01T00:00:00.000Z") });
  const store = await openControlStore({ stateDir, now: () => timers.wallNow() });
  const registry = new Registry();
  const engine = new TaskEngine({
    config: normalizeConductorConfig({
      codexdLocalApiBase: "http://127.0.0.1:9",
      localApiBase: "http://127.0.0.1:0",
      repoRoot: dir.root,
      paths: { stateDir }
    }),
    store,
    codexd: new CodexdClient({
      baseUrl: "http://127.0.0.1:9",
      requestTimeoutMs: 1_000,
      connectTimeoutMs: 100,
      transport: async () => assert.fail("codexd is not called")
    }),
    leadership: { scope: "scheduler", current: () => null },
    gate: { mayClaim: () => false },
    quota: { setQuotaPause: async () => assert.fail("no usage limit here") },
    timers,
    logger: createSilentLogger(),
    landQueueCounts: registerLandQueueMetrics(registry, { wallNow: () => timers.wallNow() })
  });
  t.after(async () => {
    await engine.stop();
    await engine.close();
    await store.close();
    dir.remove();
  });
  return { engine, store, repo, registry };
}

test("a task the engine's review puts in a land queue is counted as entered, once", async (t) => {
  const { engine, store, repo, registry } = await setup(t);
  const entered = () => sample(registry, "conductor_land_queue_entered_total");
  assert.equal(await entered(), 0);

  // A task that ran in its worktree (a commit on its branch) and waits in review.
  const { task } = await store.createTask({ title: "Tidy the README", prompt: "p", cwd: repo });
  const prepared = await engine.workspaces.prepare(task);
  writeFileSync(join(prepared.cwd, "README.md"), "tidy\n");
  git(prepared.cwd, "commit", "-q", "-am", "tidy");
  const lease = await store.acquireLease({ scope: "scheduler", holder: "me", ttlMs: 3_600_000 });
  assert.ok(lease);
  const [claim] = await store.claimTasks({ scope: "scheduler", holder: "me", term: lease.term, limit: 1 });
  assert.ok(claim);
  await store.finishRun(
    { runId: claim.run.runId, owner: "me", term: lease.term },
    { runState: "succeeded", taskState: "in_review", spendAttempt: false }
  );

  const queued = await engine.review.enqueue(task.taskId, { target: "main" });
  assert.equal(queued.landQueue?.target, "main");
  assert.equal(await entered(), 1);

  await assert.rejects(engine.review.enqueue(task.taskId, { target: "main" }), /queued already/);
  assert.equal(await entered(), 1, "a task queued already does not enter again");
  // The forecast refresh the queueing started runs before the store closes.
  await engine.forecast.refresh(queued);
});
