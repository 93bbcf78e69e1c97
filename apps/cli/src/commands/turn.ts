import type { Command } from "../command.js";
import type { EventSocket } from "../conductor-client.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { ProgressLine, printResult, seconds, type EventLike } from "../output.js";
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
  async run({ args, flags, client, out, sleep }) {
    const [sessionId, input] = args as [string, string];
    if (flags.follow !== true) {
      const accepted = await client.post<{ turnId: string; sessionId: string }>("/v1/codex/turn", { sessionId, input });
      printResult(out, accepted, () => accepted.turnId);
      return ExitCode.ok;
    }

    const started = out.now();
    const progress = new ProgressLine(out);
    const buffered: EventLike[] = [];
    let turnId: string | null = null;
    let events = 0;
    let ended = false;
    let wake: () => void = () => {};
    const seen = (event: EventLike) => {
      if (event.turnId !== turnId) return;
      events++;
      if (event.type === "approval.requested") {
        const approval = (event.data as { approval?: { approvalId?: string; kind?: string } } | undefined)?.approval;
        progress.note(`turn ${turnId} waits for approval ${approval?.approvalId} (${approval?.kind}): baa approve ${approval?.approvalId} | baa decline ${approval?.approvalId}`);
      }
      if (event.type === "app-server.turn.completed" || event.type === "turn.interrupted" || event.type === "session.failed") ended = true;
      progress.update(`turn ${turnId} running`, `${events} events · ${seconds(out.now() - started)}`);
      wake();
    };
    let socket: EventSocket | undefined;
    try {
      socket = await client.openSocket("/v1/codex/events", { sessionId }, (raw) => {
        const event = raw as EventLike;
        if (turnId === null) buffered.push(event);
        else seen(event);
      });
    } catch (error) {
      // Without the stream the turn can still be followed by reading the session.
      progress.note(`live events unavailable (${error instanceof CliError ? error.message : String(error)}); following by polling`);
    }
    try {
      const accepted = await client.post<{ turnId: string }>("/v1/codex/turn", { sessionId, input });
      turnId = accepted.turnId;
      progress.update(`turn ${turnId} accepted`);
      for (const event of buffered.splice(0)) seen(event);

      let session: SessionView;
      for (;;) {
        // The stream says when the turn ends; the session is the record, read at that moment
        // and every SETTLE_POLL_MS anyway (a stream can drop).
        if (!ended) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(SETTLE_POLL_MS)]);
        ({ session } = await client.get<{ session: SessionView }>(`/v1/codex/sessions/${encodeURIComponent(sessionId)}`));
        if (session.lastTurnId === turnId && ENDED_TURN_STATUSES.has(session.lastTurnStatus ?? "")) break;
        if (ended) {
          ended = false; // the stream ran ahead of the session's write; read again shortly
          await sleep(50);
        }
        // One word while it runs, whatever the session calls it (codex says "inProgress").
        progress.update(`turn ${turnId} running`, `${events} events · ${seconds(out.now() - started)}`);
      }
      progress.clear();
      const result = {
        sessionId,
        turnId,
        status: session.lastTurnStatus,
        error: session.lastTurnError,
        message: session.lastAgentMessage,
        events,
        elapsedMs: Math.round(out.now() - started)
      };
      printResult(out, result, () =>
        [`turn ${turnId} ${result.status} in ${seconds(result.elapsedMs)}${result.error ? `: ${result.error}` : ""}`, ...(result.message ? [result.message] : [])].join("\n")
      );
      return result.status === "completed" ? ExitCode.ok : ExitCode.workFailed;
    } finally {
      progress.clear();
      socket?.close();
    }
  }
};
