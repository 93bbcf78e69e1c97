import type { EventLog } from "./event-log.js";
import type { SessionRegistry } from "./session-registry.js";

const OPENS = new Set(["turn.accepted", "app-server.turn.started"]);
const CLOSES = new Set(["app-server.turn.completed", "turn.interrupted"]);

/**
 * The session registry is written lazily, the event log before anything else. At start, replay
 * the events the registry had not caught up with: a turn that was accepted or started there
 * and never finished was running when codexd stopped, so its session gets it back as its active
 * turn (which start-up then marks interrupted). Returns how many sessions were corrected.
 */
export async function reconcileTurnsFromLog(events: EventLog, registry: SessionRegistry): Promise<number> {
  const open = new Map<string, string>();
  let after = registry.loadedAtSeq;
  for (;;) {
    const page = await events.query({ after, limit: 1000 });
    for (const event of page.events) {
      if (event.sessionId === null || event.turnId === null) continue;
      if (OPENS.has(event.type)) open.set(event.sessionId, event.turnId);
      else if (CLOSES.has(event.type) && open.get(event.sessionId) === event.turnId) open.delete(event.sessionId);
    }
    if (page.nextAfter === null) break;
    after = page.nextAfter;
  }
  let corrected = 0;
  for (const [sessionId, turnId] of open) {
    const session = registry.get(sessionId);
    if (session === undefined || session.activeTurn !== null) continue;
    if (session.lastTurnId === turnId && session.lastTurnStatus !== "inProgress") continue;
    registry.update(session, (s) => {
      s.activeTurn = { turnId, startedAt: s.updatedAt };
      s.lastTurnId = turnId;
      s.lastTurnStatus = "inProgress";
    });
    corrected += 1;
  }
  return corrected;
}
