import type { AppServerClient } from "@baa/app-server-client";
import type { EventLog } from "@baa/event-log";
import { callAppServer } from "../child/app-server-errors.js";
import type { CodexdSession } from "./session.js";
import type { SessionRegistry } from "./session-registry.js";
import { threadStartParams } from "./thread-start.js";
import { resumeThread } from "./thread-resume.js";

export interface SessionResumeDeps {
  registry: SessionRegistry;
  events: EventLog;
}

/**
 * Re-attaches every non-closed session to a fresh app-server (thread/resume). A thread that
 * cannot be resumed marks its session failed with the reason; it is never dropped.
 */
export async function resumeSessions(
  deps: SessionResumeDeps,
  client: AppServerClient
): Promise<{ resumed: number; failed: number }> {
  let resumed = 0;
  let failed = 0;
  for (const session of deps.registry.list()) {
    if (session.status !== "active") continue;
    try {
      const rebound = await reattach(deps, client, session);
      resumed += 1;
      deps.events.record({
        type: "session.resumed",
        sessionId: session.sessionId,
        threadId: session.threadId,
        data: { rebound }
      });
    } catch (error) {
      failed += 1;
      const reason = `thread/resume failed: ${(error as Error).message}`;
      deps.registry.update(
        session,
        (s) => {
          s.status = "failed";
          s.statusReason = reason;
        },
        { urgent: true }
      );
      deps.events.record({
        type: "session.failed",
        sessionId: session.sessionId,
        threadId: session.threadId,
        data: { reason }
      });
    }
  }
  return { resumed, failed };
}

/** Resumes the session's thread, or starts it afresh when it had no history yet; true when rebound. */
async function reattach(
  deps: SessionResumeDeps,
  client: AppServerClient,
  session: CodexdSession
): Promise<boolean> {
  const settings = {
    threadId: session.threadId,
    approvalPolicy: session.approvalPolicy ?? undefined,
    sandbox: session.sandbox ?? undefined
  };
  try {
    await resumeThread(client, settings);
    return false;
  } catch (error) {
    // app-server writes a thread to disk with its first turn; before that there is no
    // history to lose, so a fresh thread with the same settings is the same session.
    // A session opened on an existing thread always has history (a registry from before
    // `resumed` was kept has no such field).
    if (session.turnCount > 0 || session.lastTurnId !== null || session.resumed === true) throw error;
    const again = threadStartParams({
      cwd: session.cwd,
      approvalPolicy: session.approvalPolicy ?? undefined,
      model: session.model ?? undefined,
      sandbox: session.sandbox ?? undefined,
      // A registry written before these were kept has no such fields.
      baseInstructions: session.baseInstructions ?? undefined,
      developerInstructions: session.developerInstructions ?? undefined
    });
    const fresh = await callAppServer(() => client.threadStart(again), "thread/start");
    deps.registry.rebindThread(session, fresh.thread.id);
    return true;
  }
}
