// A child process that claims and completes tasks from a shared store until the queue is empty,
// printing one JSON line per claim and per completion. Used by the race and crash tests.
import { setTimeout as delay } from "node:timers/promises";
import { openControlStore, RUN_LEASE_SCOPE, type OpenControlStoreOptions } from "../../src/index.js";

interface WorkerArgs {
  open: OpenControlStoreOptions;
  scope: string;
  holder: string;
  term: number;
  maxBatch: number;
  /** Titles starting "flaky" fail their first attempt (spent) and are retried; "timeout" ones time out. */
  flaky: boolean;
  /** How long each claimed batch "runs" before it is completed (default 0). */
  holdMs?: number;
  /** Claim as a node of its own (every node claims; run leases), not under the leader lease. */
  node?: { ttlMs: number; runLeaseTtlMs: number };
}

const args = JSON.parse(process.argv[2] ?? "{}") as WorkerArgs;
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const store = await openControlStore(args.open);
const node = args.node;
const beat = async () => {
  if (node === undefined) return;
  await store.heartbeatNode({
    nodeId: args.holder,
    address: null,
    labels: [],
    capacity: args.maxBatch,
    running: 0,
    version: "test",
    executes: true,
    ...node
  });
};
await beat();
out({ ready: process.pid });
for (;;) {
  const limit = 1 + Math.floor(Math.random() * args.maxBatch);
  await beat();
  const claimed =
    node === undefined
      ? await store.claimTasks({ scope: args.scope, holder: args.holder, term: args.term, limit })
      : await store.claimTasks({
          scope: RUN_LEASE_SCOPE,
          holder: args.holder,
          term: 0,
          limit,
          runLeaseTtlMs: node.runLeaseTtlMs
        });
  for (const { task, run } of claimed) out({ claimed: task.taskId, attempt: run.attempt, runId: run.runId });
  if (claimed.length === 0) {
    const counts = await store.countTasksByState();
    if (counts.queued + counts.running + counts.blocked === 0) break;
    await delay(20);
    continue;
  }
  if (args.holdMs) await delay(args.holdMs);
  for (const { task, run } of claimed) {
    const fail = args.flaky && task.title.startsWith("flaky") && run.attempt === 1;
    const timeout = args.flaky && task.title.startsWith("timeout");
    const ok = await store.finishRun(
      { runId: run.runId, owner: args.holder, term: node === undefined ? args.term : 0 },
      fail
        ? { runState: "failed", taskState: "queued", spendAttempt: true, reason: "flaky first attempt" }
        : timeout
          ? { runState: "timed_out", taskState: "timed_out", spendAttempt: true, reason: "deadline passed" }
          : {
              runState: "succeeded",
              taskState: "succeeded",
              spendAttempt: false,
              finalMessage: `done by ${process.pid}`
            }
    );
    out({ finished: run.runId, ok });
  }
}
await store.close();
out({ done: process.pid });
