import type { RunOutcome } from "../scheduler/run-ending.js";
import { describeTurnEnd, isUsageLimit, type TurnEndData } from "./turn-end.js";
import type { CodexdStreamEvent } from "./worker-codexd.js";

/** What one codexd event of a run's session means for the run. */
export type RunEventMeaning =
  | { kind: "approval_requested"; approvalId: string | undefined }
  | { kind: "approval_settled"; approvalId: string | undefined }
  | { kind: "final_message"; text: string }
  | { kind: "usage"; usage: unknown }
  | { kind: "turn_completed"; turn: TurnEndData | undefined }
  /** codexd ended the turn itself (a restart's reconciliation, the session closed or failed). */
  | { kind: "ended_outside"; type: string }
  | { kind: "other" };

/** Pure: reads an event of the run's session. */
export function meaningOf(event: CodexdStreamEvent): RunEventMeaning {
  const data = (event.data ?? {}) as Record<string, unknown>;
  const approvalId = () => (data.approval as { approvalId?: string } | undefined)?.approvalId;
  switch (event.type) {
    case "approval.requested":
      return { kind: "approval_requested", approvalId: approvalId() };
    case "approval.answered":
    case "approval.timed_out":
    case "approval.expired":
    case "approval.resolved":
      return { kind: "approval_settled", approvalId: approvalId() };
    case "app-server.item.completed": {
      const item = data.item as { type?: string; text?: unknown } | undefined;
      return item?.type === "agentMessage" && typeof item.text === "string"
        ? { kind: "final_message", text: item.text }
        : { kind: "other" };
    }
    case "app-server.thread.tokenUsage.updated":
      return data.tokenUsage === undefined ? { kind: "other" } : { kind: "usage", usage: data.tokenUsage };
    case "app-server.turn.completed":
      return { kind: "turn_completed", turn: data.turn as TurnEndData | undefined };
    case "turn.interrupted":
    case "session.closed":
    case "session.failed":
      return { kind: "ended_outside", type: event.type };
    default:
      return { kind: "other" };
  }
}

/** Pure: the outcome of a turn that ended on its own (not interrupted by this run). */
export function outcomeOfTurn(
  turn: TurnEndData | undefined,
  finalMessage: string | null,
  usage: unknown
): RunOutcome {
  const status = turn?.status ?? "completed";
  if (status === "completed") return { kind: "completed", finalMessage, usage };
  if (status === "failed" && isUsageLimit(turn))
    return { kind: "usage_limit", message: describeTurnEnd(turn) };
  if (status === "failed")
    return {
      kind: "failed",
      message: describeTurnEnd(turn),
      codexErrorInfo: turn?.error?.codexErrorInfo ?? null,
      usage
    };
  return { kind: "interrupted", reason: `the turn ended ${status} outside the conductor` };
}
