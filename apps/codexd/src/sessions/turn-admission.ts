import { codexdError } from "../errors.js";
import type { CodexdSession } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";

/** A closed or failed session, one running a turn, or too many turns running: no new turn. */
export function refuseTurn(session: CodexdSession, registry: SessionRegistry, maxActiveTurns: number): void {
  const { sessionId } = session;
  if (session.status === "closed") {
    throw codexdError("session_closed", `session ${sessionId} is closed and takes no turns`);
  }
  if (session.status === "failed") {
    const reason = session.statusReason ?? "no reason recorded";
    throw codexdError("session_failed", `session ${sessionId} failed (${reason}) and takes no turns`);
  }
  if (session.activeTurn !== null) {
    const turnId = session.activeTurn.turnId ?? "(starting)";
    throw codexdError(
      "turn_in_progress",
      `session ${sessionId} is running turn ${turnId}; steer or interrupt it, or wait`
    );
  }
  const running = registry.list().filter((s) => s.activeTurn !== null).length;
  if (running >= maxActiveTurns) {
    // A turn slot frees within seconds (mock turns within a second): 1 s, not longer.
    const message = `${running} turns are running (limit ${maxActiveTurns}); retry later`;
    throw codexdError("too_many_requests", message, { headers: { "retry-after": "1" } });
  }
}
