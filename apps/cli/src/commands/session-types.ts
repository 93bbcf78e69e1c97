/** The parts of codexd's session document `baa` shows. */
export interface SessionView {
  sessionId: string;
  status: string;
  purpose: string;
  cwd: string;
  model: string | null;
  turnCount: number;
  lastTurnId: string | null;
  lastTurnStatus: string | null;
  lastTurnError: string | null;
  lastAgentMessage: string | null;
  pendingApprovals: { approvalId: string; kind: string; turnId: string | null }[];
  updatedAt: string;
}

export const ENDED_TURN_STATUSES: ReadonlySet<string> = new Set(["completed", "failed", "interrupted"]);
