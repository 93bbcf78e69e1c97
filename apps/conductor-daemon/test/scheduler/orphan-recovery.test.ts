import assert from "node:assert/strict";
import test from "node:test";
import { openControlStore } from "@baa/control-store";
import { makeTempDir } from "@baa/test-support";
import { createSilentLogger } from "../../src/logger.js";
import { recoverOwnRuns } from "../../src/scheduler/orphan-recovery.js";

test("runs left running under this node's id by an earlier process are abandoned and their tasks queued unspent; local and foreign runs are left alone", async () => {
  const dir = makeTempDir("orphans-");
  const store = await openControlStore({ stateDir: dir.root });
  try {
    for (const title of ["a", "b", "c"]) await store.createTask({ title, prompt: "p" });
    const lease = await store.acquireLease({ scope: "scheduler", holder: "me", ttlMs: 60_000 });
    assert.ok(lease);
    const claims = await store.claimTasks({ scope: "scheduler", holder: "me", term: lease.term, limit: 3 });
    assert.equal(claims.length, 3);
    const [orphan, local, other] = claims.map((c) => c.run);
    const interrupted: string[] = [];
    const recovered = await recoverOwnRuns(
      {
        store: {
          listRunningRuns: async () =>
            (await store.listRunningRuns()).map((run) =>
              run.runId === other!.runId ? { ...run, owner: "someone-else" } : run
            ),
          finishRun: (fence, ending) => store.finishRun(fence, ending)
        },
        nodeId: "me",
        logger: createSilentLogger(),
        interruptTurn: async (run) => void interrupted.push(run.runId)
      },
      new Set([local!.runId])
    );
    assert.deepEqual(
      recovered.map((r) => r.runId),
      [orphan!.runId]
    );
    assert.deepEqual(interrupted, [orphan!.runId]);
    const run = await store.getRun(orphan!.runId);
    assert.equal(run?.state, "abandoned");
    const task = await store.getTask(orphan!.taskId);
    assert.equal(task?.state, "queued");
    assert.equal(task?.attemptsSpent, 0);
    assert.equal((await store.getRun(local!.runId))?.state, "running");
  } finally {
    await store.close();
    dir.remove();
  }
});
