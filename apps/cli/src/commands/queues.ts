import type { Command } from "../command.js";
import { ExitCode } from "../exit-codes.js";
import { printResult, table } from "../output.js";

export interface QueueView {
  repo: string;
  target: string;
  landing: string | null;
  lockHolder: string | null;
  entries: Array<{
    taskId: string;
    title: string;
    position: number;
    queuedAt: string;
    state: string;
    method: string;
  }>;
}

function describeQueue(queue: QueueView): string {
  const landing = queue.landing === null ? "" : `  landing ${queue.landing}`;
  const lock = queue.lockHolder === null ? "" : `  (lock: ${queue.lockHolder})`;
  const rows = queue.entries.map((entry) => [
    String(entry.position),
    entry.taskId,
    entry.state,
    entry.method,
    entry.title
  ]);
  return `${queue.repo} -> ${queue.target}${landing}${lock}\n${table(["#", "TASK", "STATE", "METHOD", "TITLE"], rows)}`;
}

/** `baa queues`: each merge queue in landing order, the entry landing now and the node holding its lock. */
export const queuesCommand: Command = {
  name: "queues",
  usage: "queues                                   the merge queues, in landing order",
  flags: {},
  arity: [0, 0],
  async run({ client, out }) {
    const data = await client.get<{ queues: QueueView[] }>("/v1/queues");
    printResult(out, data, () =>
      data.queues.length === 0 ? "no queued lands" : data.queues.map(describeQueue).join("\n\n")
    );
    return ExitCode.ok;
  }
};
