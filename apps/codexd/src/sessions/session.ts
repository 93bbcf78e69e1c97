import type { v2 } from "@baa/codex-protocol";

export type SessionStatus = "active" | "closed" | "failed";
export type TurnStatus = v2.TurnStatus;

/** The turn a session is running right now; `turnId` is null until app-server has answered. */
export interface ActiveTurn {
  turnId: string | null;
  startedAt: string;
}

/** A codexd session: one app-server thread plus what codexd knows about its turns. */
export interface CodexdSession {
  sessionId: string;
  threadId: string;
  status: SessionStatus;
  statusReason: string | null;
  purpose: string;
  cwd: string;
  model: string | null;
  modelProvider: string | null;
  approvalPolicy: v2.AskForApproval | null;
  sandbox: v2.SandboxMode | null;
  /** As given at creation; kept so a thread started afresh for this session gets them again. */
  baseInstructions: string | null;
  developerInstructions: string | null;
  /** Opened on an existing thread (`POST /sessions {threadId}`), so its thread had history already. */
  resumed: boolean;
  createdAt: string;
  updatedAt: string;
  turnCount: number;
  activeTurn: ActiveTurn | null;
  lastTurnId: string | null;
  lastTurnStatus: TurnStatus | null;
  lastTurnError: string | null;
  lastTurnStartedAt: string | null;
  lastTurnCompletedAt: string | null;
  /** The last agent message, cut with a marker past the text budget (see `lastAgentMessageSeq`). */
  lastAgentMessage: string | null;
  /** The seq of the event that holds `lastAgentMessage` whole. */
  lastAgentMessageSeq: number | null;
  tokenUsage: unknown;
  /** Approvals waiting for an answer; persisted with the session, emptied when they settle. */
  pendingApprovals: PendingApprovalSummary[];
}

export interface PendingApprovalSummary {
  approvalId: string;
  kind: string;
  turnId: string | null;
  itemId: string | null;
  details: Record<string, unknown>;
  status: string;
  createdAt: string;
  expiresAt: string;
}

export interface NewSessionFields {
  sessionId: string;
  threadId: string;
  purpose: string;
  cwd: string;
  model: string | null;
  modelProvider: string | null;
  approvalPolicy: v2.AskForApproval | null;
  sandbox: v2.SandboxMode | null;
  baseInstructions?: string | null;
  developerInstructions?: string | null;
  resumed?: boolean;
  at: string;
}

export function newSession(fields: NewSessionFields): CodexdSession {
  return {
    sessionId: fields.sessionId,
    threadId: fields.threadId,
    status: "active",
    statusReason: null,
    purpose: fields.purpose,
    cwd: fields.cwd,
    model: fields.model,
    modelProvider: fields.modelProvider,
    approvalPolicy: fields.approvalPolicy,
    sandbox: fields.sandbox,
    baseInstructions: fields.baseInstructions ?? null,
    developerInstructions: fields.developerInstructions ?? null,
    resumed: fields.resumed ?? false,
    createdAt: fields.at,
    updatedAt: fields.at,
    turnCount: 0,
    activeTurn: null,
    lastTurnId: null,
    lastTurnStatus: null,
    lastTurnError: null,
    lastTurnStartedAt: null,
    lastTurnCompletedAt: null,
    lastAgentMessage: null,
    lastAgentMessageSeq: null,
    tokenUsage: null,
    pendingApprovals: []
  };
}
