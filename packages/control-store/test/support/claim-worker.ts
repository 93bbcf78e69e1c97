// A child process that claims and completes tasks from a shared store until the queue is empty,
// printing one JSON line per claim and per completion. Used by the race and crash tests.
import { setTimeout as delay } from "node:timers/promises";
import { openControlStore, type OpenControlStoreOptions } from "../../src/index.js";

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
}

const args = JSON.parse(process.argv[2] ?? "{}") as WorkerArgs;
const out = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

const store = await openControlStore(args.open);
out({ ready: process.pid });
for (;;) {
  const limit = 1 + Math.floor(Math.random() * args.maxBatch);
  const claimed = await store.claimTasks({ scope: args.scope, holder: args.holder, term: args.term, limit });
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
      { runId: run.runId, owner: args.holder, term: args.term },
      fail
        ? { runState: "failed", taskState: "queued", spendAttempt: true, reason: "flaky first attempt" }
        : timeout
          ? { runState: "timed_out", taskState: "timed_out", spendAttempt: true, reason: "deadline passed" }
          : { runState: "succeeded", taskState: "succeeded", spendAttempt: false, finalMessage: `done by ${process.pid}` }
    );
    out({ finished: run.runId, ok });
  }
}
await store.close();
out({ done: process.pid });
