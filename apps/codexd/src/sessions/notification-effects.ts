import type { AppServerEvent } from "@baa/app-server-client";
import type { CodexdSession, TurnStatus } from "./session.js";

const TERMINAL: ReadonlySet<string> = new Set(["completed", "interrupted", "failed"]);

export function isTerminalTurnStatus(status: string | null | undefined): boolean {
  return status != null && TERMINAL.has(status);
}

/** The thread a notification belongs to: `threadId`, or the `thread.id` of thread/started. */
export function threadIdOf(event: AppServerEvent): string | null {
  if (typeof event.threadId === "string") return event.threadId;
  const thread = event.thread as { id?: unknown } | undefined;
  return typeof thread?.id === "string" ? thread.id : null;
}

export function turnIdOf(event: AppServerEvent): string | null {
  if (typeof event.turnId === "string") return event.turnId;
  const turn = event.turn as { id?: unknown } | undefined;
  return typeof turn?.id === "string" ? turn.id : null;
}

/** `app-server.turn.completed` for `turn/completed`. */
export function eventTypeOf(event: AppServerEvent): string {
  const method = typeof event.notificationMethod === "string" ? event.notificationMethod : event.type;
  return `app-server.${method.replaceAll("/", ".")}`;
}

/** The notification's params, without the two fields the client added. */
export function paramsOf(event: AppServerEvent): Record<string, unknown> {
  const { type: _type, notificationMethod: _method, ...params } = event;
  return params;
}

/**
 * Folds one app-server notification into its session. A turn's completion may arrive before
 * codexd has the turn/start answer (the id is then unknown): a completion while a turn is
 * starting belongs to that turn.
 */
export function applyNotification(session: CodexdSession, event: AppServerEvent, at: string): void {
  const method = typeof event.notificationMethod === "string" ? event.notificationMethod : event.type.replaceAll(".", "/");
  const turn = event.turn as { id?: string; status?: string; error?: { message?: string } | null } | undefined;
  switch (method) {
    case "turn/started": {
      if (turn?.id === undefined) return;
      if (session.lastTurnId === turn.id && isTerminalTurnStatus(session.lastTurnStatus)) return;
      session.lastTurnId = turn.id;
      session.lastTurnStatus = "inProgress";
      session.lastTurnStartedAt = session.lastTurnStartedAt ?? at;
      if (session.activeTurn !== null && session.activeTurn.turnId === null) session.activeTurn.turnId = turn.id;
      return;
    }
    case "turn/completed": {
      if (turn?.id === undefined) return;
      const active = session.activeTurn;
      const ownsActive = active !== null && (active.turnId === null || active.turnId === turn.id);
      if (!ownsActive && session.lastTurnId !== null && session.lastTurnId !== turn.id) return;
      session.lastTurnId = turn.id;
      session.lastTurnStatus = (turn.status ?? "completed") as TurnStatus;
      session.lastTurnError = turn.error?.message ?? null;
      session.lastTurnCompletedAt = at;
      if (ownsActive) session.activeTurn = null;
      return;
    }
    case "item/completed": {
      const item = event.item as { type?: string; text?: string } | undefined;
      if (item?.type === "agentMessage" && typeof item.text === "string") session.lastAgentMessage = item.text;
      return;
    }
    case "thread/tokenUsage/updated":
      session.tokenUsage = event.tokenUsage ?? null;
      return;
    default:
      return;
  }
}
