import type { Command, CommandContext } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { eventLine, type EventLike } from "../output.js";
import type { RunView } from "./task-views.js";

const flags = {
  session: { type: "string" },
  task: { type: "string" },
  run: { type: "string" },
  type: { type: "string" },
  after: { type: "string" },
  limit: { type: "string" },
  follow: { type: "boolean", short: "f" }
} as const;

function wholeNumber(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !/^\d+$/.test(value))
    throw new CliError(ExitCode.usage, `--${name} must be a whole number`);
  return Number(value);
}

/** Writes one event: a JSON line with --json, else a readable line. */
function emit(context: CommandContext, event: EventLike): void {
  context.out.stdout.write(`${context.out.json ? JSON.stringify(event) : eventLine(event)}\n`);
}

/** The recorded events of a session, a task (all its runs), a run, or all of codexd's. */
export async function recordedEvents(context: CommandContext): Promise<EventLike[]> {
  const { client, flags: f } = context;
  const after = wholeNumber(f.after, "after");
  const limit = wholeNumber(f.limit, "limit") ?? 200;
  const type = typeof f.type === "string" ? f.type : undefined;
  const runEvents = async (runId: string) =>
    (
      await client.get<{ events: EventLike[] }>(`/v1/runs/${encodeURIComponent(runId)}/events`, {
        after,
        limit,
        type
      })
    ).events;
  if (typeof f.run === "string") return runEvents(f.run);
  if (typeof f.task === "string") {
    const { runs } = await client.get<{ runs: RunView[] }>(`/v1/tasks/${encodeURIComponent(f.task)}/runs`);
    const all: EventLike[] = [];
    for (const run of runs) all.push(...(await runEvents(run.runId)));
    return all.sort((a, b) => a.seq - b.seq).slice(-limit);
  }
  const sessionId = typeof f.session === "string" ? f.session : undefined;
  return (await client.get<{ events: EventLike[] }>("/v1/codex/events", { sessionId, after, limit, type }))
    .events;
}

/**
 * `baa events [--session ID|--task ID|--run ID] [--follow]`: recorded events, or with --follow
 * the live stream (replayed from --after) until Ctrl-C. One line per event; JSON lines with --json.
 */
export const eventsCommand: Command = {
  name: "events",
  usage:
    "events                      events (--session ID | --task ID | --run ID, --follow, --after SEQ, --type T, --limit N)",
  flags,
  arity: [0, 0],
  async run(context) {
    const { client, flags: f, interrupted } = context;
    const chosen = ["session", "task", "run"].filter((name) => typeof f[name] === "string");
    if (chosen.length > 1)
      throw new CliError(
        ExitCode.usage,
        `give one of --session, --task, --run (got ${chosen.map((c) => `--${c}`).join(", ")})`
      );
    if (f.follow !== true) {
      for (const event of await recordedEvents(context)) emit(context, event);
      return ExitCode.ok;
    }
    if (typeof f.run === "string")
      throw new CliError(
        ExitCode.usage,
        "--follow streams a session or a task; a run's events: baa events --run ID"
      );
    const after = wholeNumber(f.after, "after");
    const onEvent = (raw: unknown) => emit(context, raw as EventLike);
    const socket =
      typeof f.task === "string"
        ? await client.openSocket(`/v1/tasks/${encodeURIComponent(f.task)}/events`, { after }, onEvent)
        : await client.openSocket(
            "/v1/codex/events",
            {
              sessionId: typeof f.session === "string" ? f.session : undefined,
              after,
              type: typeof f.type === "string" ? f.type : undefined
            },
            onEvent
          );
    const outcome = await Promise.race([socket.closed, interrupted.then(() => null)]);
    if (outcome === null) {
      socket.close();
      return ExitCode.ok;
    }
    if (outcome.code === 1000) return ExitCode.ok;
    const refused = outcome.code >= 4400 && outcome.code < 4500;
    throw new CliError(
      refused ? ExitCode.refused : ExitCode.unreachable,
      `the event stream closed (${outcome.code}${outcome.reason ? `: ${outcome.reason}` : ""})`
    );
  }
};
