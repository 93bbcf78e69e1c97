import type { Command } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { eventLine, printResult } from "../output.js";
import { recordedEvents } from "./events.js";
import { describeSession } from "./sessions.js";
import type { SessionView } from "./session-types.js";
import { describeRun, describeTask, type RunView, type TaskView } from "./task-views.js";

/**
 * `baa logs --session ID | --task ID | --run ID`: what happened, from the node's log: the record
 * (session, task with its runs, or run) and then its events, one per line.
 */
export const logsCommand: Command = {
  name: "logs",
  usage:
    "logs                        a session's, task's or run's history (--session ID | --task ID | --run ID, --limit N)",
  flags: {
    session: { type: "string" },
    task: { type: "string" },
    run: { type: "string" },
    limit: { type: "string" },
    type: { type: "string" }
  },
  arity: [0, 0],
  async run(context) {
    const { client, flags, out } = context;
    const chosen = ["session", "task", "run"].filter((name) => typeof flags[name] === "string");
    if (chosen.length !== 1)
      throw new CliError(ExitCode.usage, "logs needs exactly one of --session ID, --task ID, --run ID");
    const events = await recordedEvents(context);
    let head: string;
    let record: unknown;
    if (typeof flags.task === "string") {
      const id = encodeURIComponent(flags.task);
      const { task } = await client.get<{ task: TaskView }>(`/v1/tasks/${id}`);
      const { runs } = await client.get<{ runs: RunView[] }>(`/v1/tasks/${id}/runs`);
      record = { task, runs };
      head = describeTask(task, runs);
    } else if (typeof flags.run === "string") {
      const { run } = await client.get<{ run: RunView }>(`/v1/runs/${encodeURIComponent(flags.run)}`);
      record = { run };
      head = [...describeRun(run), ...(run.finalMessage ? [`final message: ${run.finalMessage}`] : [])].join(
        "\n"
      );
    } else {
      const { session } = await client.get<{ session: SessionView }>(
        `/v1/codex/sessions/${encodeURIComponent(flags.session as string)}`
      );
      record = { session };
      head = describeSession(session);
    }
    printResult(out, { ...(record as object), events }, () =>
      [head, "", ...events.map(eventLine)].join("\n")
    );
    return ExitCode.ok;
  }
};
