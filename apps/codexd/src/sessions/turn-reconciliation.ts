import type { CodexdEvent, EventLog } from "@baa/event-log";
import type { SessionRegistry } from "./session-registry.js";
import type { TurnStatus } from "./session.js";

const OPENS = new Set(["turn.accepted", "app-server.turn.started"]);

/**
 * The session registry is written lazily; the event log is written before anything else. At
 * start, the events the registry had not caught up with are folded into it: a turn that ended
 * there gets its final status, and a turn that was accepted or started and never ended is
 * restored as running (start-up then marks it interrupted). Returns how many sessions changed.
 */
export async function reconcileTurnsFromLog(events: EventLog, registry: SessionRegistry): Promise<number> {
  const last = new Map<string, { turnId: string; status: TurnStatus; at: string; error: string | null }>();
  // A turn's completion can be logged before its turn.accepted (app-server may answer
  // turn/start after the turn already ended); once ended, a turn is never reopened.
  const ended = new Set<string>();
  let after = registry.loadedAtSeq;
  for (;;) {
    const page = await events.query({ after, limit: 1000 });
    for (const event of page.events) {
      const outcome = outcomeOf(event);
      if (outcome === undefined || event.sessionId === null) continue;
      const key = `${event.sessionId} ${outcome.turnId}`;
      if (outcome.status === "inProgress" && ended.has(key)) continue;
      if (outcome.status !== "inProgress") ended.add(key);
      last.set(event.sessionId, outcome);
    }
    if (page.nextAfter === null) break;
    after = page.nextAfter;
  }
  let changed = 0;
  for (const [sessionId, outcome] of last) {
    const session = registry.get(sessionId);
    if (session === undefined) continue;
    if (
      session.lastTurnId === outcome.turnId &&
      session.lastTurnStatus === outcome.status &&
      session.activeTurn === null
    )
      continue;
    registry.update(session, (s) => {
      s.lastTurnId = outcome.turnId;
      s.lastTurnStatus = outcome.status;
      if (outcome.status === "inProgress") {
        s.activeTurn = { turnId: outcome.turnId, startedAt: outcome.at };
      } else {
        s.activeTurn = null;
        s.lastTurnError = outcome.error;
        s.lastTurnCompletedAt = outcome.at;
      }
    });
    changed += 1;
  }
  return changed;
}

function outcomeOf(
  event: CodexdEvent
): { turnId: string; status: TurnStatus; at: string; error: string | null } | undefined {
  if (event.turnId === null) return undefined;
  if (OPENS.has(event.type)) return { turnId: event.turnId, status: "inProgress", at: event.at, error: null };
  if (event.type === "app-server.turn.completed") {
    const turn = (
      event.data as { turn?: { status?: TurnStatus; error?: { message?: string } | null } } | null
    )?.turn;
    return {
      turnId: event.turnId,
      status: turn?.status ?? "completed",
      at: event.at,
      error: turn?.error?.message ?? null
    };
  }
  if (event.type === "turn.interrupted") {
    const reason = (event.data as { reason?: string } | null)?.reason ?? null;
    return { turnId: event.turnId, status: "interrupted", at: event.at, error: reason };
  }
  return undefined;
}
