import type { CodexdEvent, EventLog } from "@baa/event-log";
import type { ApprovalBook } from "../approvals/approval-book.js";
import type { CodexdSession } from "../sessions/session.js";
import type { SessionOperations } from "../sessions/session-operations.js";
import type { CodexdStatus } from "../state/status.js";

/** What the stream reads of the event log: live events, the last seq, pages from disk. */
export type EventSource = Pick<EventLog, "subscribe" | "lastSeq" | "query">;

/**
 * The part of codexd the HTTP/WS routes use, and nothing more: the routes never see the child,
 * the state files or the supervisor. `CodexdCore` implements it; route tests pass a fake.
 */
export interface CodexdApi {
  readonly events: EventSource;
  readonly approvals: Pick<ApprovalBook, "list" | "get" | "answer">;
  readonly operations: Pick<
    SessionOperations,
    "createSession" | "getSession" | "startTurn" | "steerTurn" | "interruptTurn" | "closeSession"
  >;
  listSessions(): CodexdSession[];
  /** A session's newest events, for `GET /v1/codexd/sessions/:id`. */
  recentSessionEvents(sessionId: string): CodexdEvent[];
  /** Resolves once the state files hold everything the API would answer now. */
  stateSettled(): Promise<void>;
  getStatus(): CodexdStatus;
  /** Restarts the child by hand; resolves to whether it runs afterwards. */
  restartChild(): Promise<boolean>;
}
