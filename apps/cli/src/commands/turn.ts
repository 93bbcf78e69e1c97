import type { Command, CommandContext } from "../command.js";
import type { EventSocket } from "../conductor-client.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { ProgressLine, printResult, seconds, type EventLike, type Output } from "../output.js";
import { ENDED_TURN_STATUSES, type SessionView } from "./session-types.js";

const SETTLE_POLL_MS = 500;

/**
 * `baa turn SESSION TEXT [--follow]`: sends a turn. With --follow it subscribes to the session's
 * events first (so none is missed), shows a progress line while the turn runs, and ends with
 * its status and the agent's message; the exit code says how the turn ended.
 */
export const turnCommand: Command = {
  name: "turn",
  usage: "turn SESSION TEXT           send a turn (--follow: wait for it, with progress)",
  flags: { follow: { type: "boolean", short: "f" } },
  arity: [2, 2],
  async run(context) {
    const { args, flags, client, out } = context;
    const [sessionId, input] = args as [string, string];
    if (flags.follow !== true) {
      const accepted = await client.post<{ turnId: string; sessionId: string }>("/v1/codex/turn", {
        sessionId,
        input
      });
      printResult(out, accepted, () => accepted.turnId);
      return ExitCode.ok;
    }
    return followTurn(context, sessionId, input);
  }
};

/** What a followed turn has shown so far; `wake` cuts the wait for the next session read short. */
interface Following {
  sessionId: string;
  started: number;
  progress: ProgressLine;
  turnId: string | null;
  events: number;
  ended: boolean;
  wake: () => void;
}

/** --follow: subscribes first, sends the turn, waits for its end and prints how it ended. */
async function followTurn(context: CommandContext, sessionId: string, input: string): Promise<number> {
  const { client, out } = context;
  const started = out.now();
  const progress = new ProgressLine(out);
  const turn: Following = {
    sessionId,
    started,
    progress,
    turnId: null,
    events: 0,
    ended: false,
    wake: () => {}
  };
  const buffered: EventLike[] = [];
  const socket = await subscribe(context, turn, buffered);
  try {
    const accepted = await client.post<{ turnId: string }>("/v1/codex/turn", { sessionId, input });
    turn.turnId = accepted.turnId;
    progress.update(`turn ${turn.turnId} accepted`);
    for (const event of buffered.splice(0)) seen(context, turn, event);
    const session = await untilEnded(context, turn);
    progress.clear();
    return printEnding(context, turn, session);
  } finally {
    progress.clear();
    socket?.close();
  }
}

/** The session's event stream (events before the turn is accepted are buffered); none if refused. */
async function subscribe(
  context: CommandContext,
  turn: Following,
  buffered: EventLike[]
): Promise<EventSocket | undefined> {
  try {
    return await context.client.openSocket("/v1/codex/events", { sessionId: turn.sessionId }, (raw) => {
      const event = raw as EventLike;
      if (turn.turnId === null) buffered.push(event);
      else seen(context, turn, event);
    });
  } catch (error) {
    // Without the stream the turn can still be followed by reading the session.
    const reason = error instanceof CliError ? error.message : String(error);
    turn.progress.note(`live events unavailable (${reason}); following by polling`);
    return undefined;
  }
}

/** One event of the stream: counted if it is the turn's, an approval noted, the end marked. */
function seen({ out }: CommandContext, turn: Following, event: EventLike): void {
  const { turnId, progress } = turn;
  if (event.turnId !== turnId) return;
  turn.events++;
  if (event.type === "approval.requested") {
    const data = event.data as { approval?: { approvalId?: string; kind?: string } } | undefined;
    const approval = data?.approval;
    const id = approval?.approvalId;
    const decide = `baa approve ${id} | baa decline ${id}`;
    progress.note(`turn ${turnId} waits for approval ${id} (${approval?.kind}): ${decide}`);
  }
  const type = event.type;
  if (type === "app-server.turn.completed" || type === "turn.interrupted" || type === "session.failed") {
    turn.ended = true;
  }
  progress.update(`turn ${turnId} running`, runningFor(out, turn));
  turn.wake();
}

/** Reads the session until its last turn is this one, ended. */
async function untilEnded({ client, out, sleep }: CommandContext, turn: Following): Promise<SessionView> {
  const path = `/v1/codex/sessions/${encodeURIComponent(turn.sessionId)}`;
  for (;;) {
    // The stream says when the turn ends; the session is the record, read at that moment
    // and every SETTLE_POLL_MS anyway (a stream can drop).
    if (!turn.ended) {
      await Promise.race([new Promise<void>((resolve) => (turn.wake = resolve)), sleep(SETTLE_POLL_MS)]);
    }
    const { session } = await client.get<{ session: SessionView }>(path);
    const settled = ENDED_TURN_STATUSES.has(session.lastTurnStatus ?? "");
    if (session.lastTurnId === turn.turnId && settled) return session;
    if (turn.ended) {
      turn.ended = false; // the stream ran ahead of the session's write; read again shortly
      await sleep(50);
    }
    // One word while it runs, whatever the session calls it (codex says "inProgress").
    turn.progress.update(`turn ${turn.turnId} running`, runningFor(out, turn));
  }
}

/** The progress line's tail: events seen and time since the command started. */
function runningFor(out: Output, turn: Following): string {
  return `${turn.events} events · ${seconds(out.now() - turn.started)}`;
}

/** Prints the turn's status, error and message; the exit code says whether it completed. */
function printEnding({ out }: CommandContext, turn: Following, session: SessionView): number {
  const { sessionId, turnId, events } = turn;
  const result = {
    sessionId,
    turnId,
    status: session.lastTurnStatus,
    error: session.lastTurnError,
    message: session.lastAgentMessage,
    events,
    elapsedMs: Math.round(out.now() - turn.started)
  };
  printResult(out, result, () => {
    const error = result.error ? `: ${result.error}` : "";
    const ending = `turn ${turnId} ${result.status} in ${seconds(result.elapsedMs)}${error}`;
    return [ending, ...(result.message ? [result.message] : [])].join("\n");
  });
  return result.status === "completed" ? ExitCode.ok : ExitCode.workFailed;
}
