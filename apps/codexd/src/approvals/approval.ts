import type { RequestId } from "@baa/codex-protocol";

export type ApprovalKind = "commandExecution" | "fileChange" | "userInput" | "mcpElicitation";
export type ApprovalStatus = "pending" | "answered" | "timed_out" | "expired" | "resolved";

/** A server→client request from app-server that waits for a person (or a policy) to answer. */
export interface Approval {
  approvalId: string;
  kind: ApprovalKind;
  method: string;
  requestId: RequestId;
  sessionId: string | null;
  threadId: string | null;
  turnId: string | null;
  itemId: string | null;
  /** What is being asked: the command and cwd, the reason, the questions. */
  details: Record<string, unknown>;
  status: ApprovalStatus;
  response: unknown;
  createdAt: string;
  expiresAt: string;
  settledAt: string | null;
  settledReason: string | null;
}

/** The methods codexd holds for an answer, and the kind each becomes. */
export const APPROVAL_METHODS: Readonly<Record<string, ApprovalKind>> = {
  "item/commandExecution/requestApproval": "commandExecution",
  "item/fileChange/requestApproval": "fileChange",
  "item/tool/requestUserInput": "userInput",
  "mcpServer/elicitation/request": "mcpElicitation"
};

/** The answer sent when nobody answers in time, or someone answers `decline`. */
export function declineResponse(kind: ApprovalKind): unknown {
  switch (kind) {
    case "commandExecution":
    case "fileChange":
      return { decision: "decline" };
    case "userInput":
      return { answers: {} };
    case "mcpElicitation":
      return { action: "decline", content: null, _meta: null };
  }
}

/** The fields of a request worth showing a person; the full params stay in the event log. */
export function approvalDetails(kind: ApprovalKind, params: Record<string, unknown>): Record<string, unknown> {
  const pick = (...keys: string[]) =>
    Object.fromEntries(keys.filter((k) => params[k] !== undefined && params[k] !== null).map((k) => [k, params[k]]));
  switch (kind) {
    case "commandExecution":
      return pick("command", "cwd", "reason", "kind", "proposedExecpolicyAmendment");
    case "fileChange":
      return pick("reason", "grantRoot");
    case "userInput":
      return pick("questions", "isBlocking");
    case "mcpElicitation":
      return pick("serverName", "message", "requestedSchema", "mode", "url");
  }
}

export interface AnswerBody {
  decision?: string | Record<string, unknown>;
  answers?: Record<string, { answers: string[] }>;
  content?: unknown;
}

const SIMPLE_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"];
const AMENDMENTS = ["acceptWithExecpolicyAmendment", "applyNetworkPolicyAmendment"];

/** Turns a client's answer into the response app-server expects for this kind, or says what is wrong. */
export function responseFor(kind: ApprovalKind, body: AnswerBody): { response: unknown } | { problem: string } {
  const { decision } = body;
  switch (kind) {
    case "commandExecution":
      if (typeof decision === "string" && SIMPLE_DECISIONS.includes(decision)) return { response: { decision } };
      if (typeof decision === "object" && decision !== null && Object.keys(decision).length === 1 && AMENDMENTS.includes(Object.keys(decision)[0] as string)) {
        return { response: { decision } };
      }
      return { problem: `decision: one of ${SIMPLE_DECISIONS.join(", ")} or {${AMENDMENTS.join("|")}: ...}` };
    case "fileChange":
      if (typeof decision === "string" && SIMPLE_DECISIONS.includes(decision)) return { response: { decision } };
      return { problem: `decision: one of ${SIMPLE_DECISIONS.join(", ")}` };
    case "userInput":
      if (decision === "decline" || decision === "cancel") return { response: { answers: {} } };
      if (body.answers !== undefined) return { response: { answers: body.answers } };
      return { problem: "answers: {questionId: {answers: [string]}} (or decision: decline)" };
    case "mcpElicitation":
      if (decision === "accept" || decision === "decline" || decision === "cancel") {
        return { response: { action: decision, content: decision === "accept" ? (body.content ?? null) : null, _meta: null } };
      }
      return { problem: "decision: one of accept, decline, cancel" };
  }
}

/** The compact form a session lists under `pendingApprovals`. */
export function pendingSummary(approval: Approval) {
  return {
    approvalId: approval.approvalId,
    kind: approval.kind,
    turnId: approval.turnId,
    itemId: approval.itemId,
    details: approval.details,
    status: approval.status,
    createdAt: approval.createdAt,
    expiresAt: approval.expiresAt
  };
}
