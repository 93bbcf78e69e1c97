import type { AppServerEvent } from "@baa/app-server-client";
import { cutText } from "@baa/event-log";
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

/** Where the notification is in the event log, and how long a kept text may be. */
export interface NotificationContext {
  at: string;
  /** The seq of the notification's event, which holds its texts whole. */
  seq: number;
  /** `lastAgentMessage` longer than this is cut, with a marker naming `seq`. */
  maxTextBytes: number;
}

/**
 * Folds one app-server notification into its session; returns whether anything changed (a
 * streamed delta changes nothing, so it costs no state write). A turn's completion may arrive
 * before codexd has the turn/start answer (the id is then unknown): a completion while a turn
 * is starting belongs to that turn.
 */
export function applyNotification(
  session: CodexdSession,
  event: AppServerEvent,
  context: NotificationContext
): boolean {
  const { at } = context;
  const method =
    typeof event.notificationMethod === "string" ? event.notificationMethod : event.type.replaceAll(".", "/");
  const turn = event.turn as
    | { id?: string; status?: string; error?: { message?: string } | null }
    | undefined;
  switch (method) {
    case "turn/started": {
      if (turn?.id === undefined) return false;
      if (session.lastTurnId === turn.id && isTerminalTurnStatus(session.lastTurnStatus)) return false;
      session.lastTurnId = turn.id;
      session.lastTurnStatus = "inProgress";
      session.lastTurnStartedAt = session.lastTurnStartedAt ?? at;
      if (session.activeTurn !== null && session.activeTurn.turnId === null)
        session.activeTurn.turnId = turn.id;
      return true;
    }
    case "turn/completed": {
      if (turn?.id === undefined) return false;
      const active = session.activeTurn;
      const ownsActive = active !== null && (active.turnId === null || active.turnId === turn.id);
      if (!ownsActive && session.lastTurnId !== null && session.lastTurnId !== turn.id) return false;
      session.lastTurnId = turn.id;
      session.lastTurnStatus = (turn.status ?? "completed") as TurnStatus;
      session.lastTurnError = turn.error?.message ?? null;
      session.lastTurnCompletedAt = at;
      if (ownsActive) session.activeTurn = null;
      return true;
    }
    case "item/completed": {
      const item = event.item as { type?: string; text?: string } | undefined;
      if (item?.type !== "agentMessage" || typeof item.text !== "string") return false;
      // The session keeps a bounded copy; the event log keeps the whole text at `seq`.
      session.lastAgentMessage = cutText(item.text, context.maxTextBytes, context.seq);
      session.lastAgentMessageSeq = context.seq;
      return true;
    }
    case "thread/tokenUsage/updated":
      session.tokenUsage = event.tokenUsage ?? null;
      return true;
    default:
      return false;
  }
}
