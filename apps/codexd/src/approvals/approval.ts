import type {
  ApplyPatchApprovalResponse,
  ExecCommandApprovalResponse,
  RequestId,
  ServerRequest,
  v2
} from "@baa/codex-protocol";

export type ApprovalKind =
  | "commandExecution"
  | "fileChange"
  | "userInput"
  | "mcpElicitation"
  | "permissions"
  | "legacyExecCommand"
  | "legacyApplyPatch";
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

/**
 * Every server request that waits on a person, and the kind of approval it becomes. The
 * others (`item/tool/call`: codexd registers no dynamic tools; `account/chatgptAuthTokens/refresh`
 * and `attestation/generate`: codexd holds nothing to give) no person can answer; they get
 * the client's default answer at once. `satisfies` keeps the keys to real protocol methods.
 */
export const APPROVAL_METHODS: Readonly<Record<string, ApprovalKind>> = {
  "item/commandExecution/requestApproval": "commandExecution",
  "item/fileChange/requestApproval": "fileChange",
  "item/tool/requestUserInput": "userInput",
  "mcpServer/elicitation/request": "mcpElicitation",
  "item/permissions/requestApproval": "permissions",
  // Legacy (v1 conversation) approvals: app-server sends them only to v1 clients, but a person
  // is still what they wait on.
  execCommandApproval: "legacyExecCommand",
  applyPatchApproval: "legacyApplyPatch"
} satisfies Partial<Record<ServerRequest["method"], ApprovalKind>>;

/** The request's thread: `threadId` (v2) or `conversationId` (legacy approvals). */
export function requestThreadId(params: unknown): string | null {
  const p = (params ?? {}) as { threadId?: unknown; conversationId?: unknown };
  if (typeof p.threadId === "string") return p.threadId;
  return typeof p.conversationId === "string" ? p.conversationId : null;
}

const NOTHING_GRANTED: v2.PermissionsRequestApprovalResponse = { permissions: {}, scope: "turn" };
const LEGACY_DECLINED: ExecCommandApprovalResponse & ApplyPatchApprovalResponse = {
  decision: { denied: { rejection: "declined by the user" } }
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
    case "permissions":
      return NOTHING_GRANTED;
    case "legacyExecCommand":
    case "legacyApplyPatch":
      return LEGACY_DECLINED;
  }
}

/** The fields of a request worth showing a person; the full params stay in the event log. */
export function approvalDetails(
  kind: ApprovalKind,
  params: Record<string, unknown>
): Record<string, unknown> {
  const pick = (...keys: string[]) =>
    Object.fromEntries(
      keys.filter((k) => params[k] !== undefined && params[k] !== null).map((k) => [k, params[k]])
    );
  switch (kind) {
    case "commandExecution":
      return pick("command", "cwd", "reason", "kind", "proposedExecpolicyAmendment");
    case "fileChange":
      return pick("reason", "grantRoot");
    case "userInput":
      return pick("questions", "isBlocking");
    case "mcpElicitation":
      return pick("serverName", "message", "requestedSchema", "mode", "url");
    case "permissions":
      return pick("permissions", "reason", "cwd", "environmentId");
    case "legacyExecCommand":
      return pick("command", "cwd", "reason", "callId");
    case "legacyApplyPatch":
      return pick("fileChanges", "reason", "grantRoot", "callId");
  }
}

export interface AnswerBody {
  decision?: string | Record<string, unknown>;
  answers?: Record<string, { answers: string[] }>;
  content?: unknown;
  /** permissions: what to grant instead of everything asked for. */
  permissions?: Record<string, unknown>;
  /** permissions: how long the grant lasts (default `turn`). */
  scope?: "turn" | "session";
}

const SIMPLE_DECISIONS = ["accept", "acceptForSession", "decline", "cancel"];
const AMENDMENTS = ["acceptWithExecpolicyAmendment", "applyNetworkPolicyAmendment"];

/**
 * Turns a client's answer into the response app-server expects for this kind, or says what is
 * wrong. `details` are the approval's details (what a permissions `accept` grants).
 */
export function responseFor(
  kind: ApprovalKind,
  body: AnswerBody,
  details: Record<string, unknown> = {}
): { response: unknown } | { problem: string } {
  const { decision } = body;
  switch (kind) {
    case "commandExecution":
      if (typeof decision === "string" && SIMPLE_DECISIONS.includes(decision))
        return { response: { decision } };
      if (
        typeof decision === "object" &&
        decision !== null &&
        Object.keys(decision).length === 1 &&
        AMENDMENTS.includes(Object.keys(decision)[0] as string)
      ) {
        return { response: { decision } };
      }
      return { problem: `decision: one of ${SIMPLE_DECISIONS.join(", ")} or {${AMENDMENTS.join("|")}: ...}` };
    case "fileChange":
      if (typeof decision === "string" && SIMPLE_DECISIONS.includes(decision))
        return { response: { decision } };
      return { problem: `decision: one of ${SIMPLE_DECISIONS.join(", ")}` };
    case "userInput":
      if (decision === "decline" || decision === "cancel") return { response: { answers: {} } };
      if (body.answers !== undefined) return { response: { answers: body.answers } };
      return { problem: "answers: {questionId: {answers: [string]}} (or decision: decline)" };
    case "mcpElicitation":
      if (decision === "accept" || decision === "decline" || decision === "cancel") {
        return {
          response: {
            action: decision,
            content: decision === "accept" ? (body.content ?? null) : null,
            _meta: null
          }
        };
      }
      return { problem: "decision: one of accept, decline, cancel" };
    case "permissions":
      return permissionsResponse(body, details);
    case "legacyExecCommand":
    case "legacyApplyPatch":
      return legacyResponse(decision);
  }
}

// `accept` grants what was asked (its null parts left out); `permissions` grants a subset.
function permissionsResponse(
  body: AnswerBody,
  details: Record<string, unknown>
): { response: unknown } | { problem: string } {
  const { decision } = body;
  if (decision === "decline" || decision === "cancel") return { response: NOTHING_GRANTED };
  if (body.permissions !== undefined && decision === undefined) {
    return { response: { permissions: body.permissions, scope: body.scope ?? "turn" } };
  }
  if (decision === "accept" || decision === "acceptForSession") {
    const asked = (details.permissions ?? {}) as Record<string, unknown>;
    const granted = Object.fromEntries(Object.entries(asked).filter(([, value]) => value !== null));
    return {
      response: {
        permissions: granted,
        scope: decision === "acceptForSession" ? "session" : (body.scope ?? "turn")
      }
    };
  }
  return {
    problem:
      "decision: one of accept, acceptForSession, decline, cancel; or permissions: {network?, fileSystem?} with scope: turn|session"
  };
}

function legacyResponse(decision: AnswerBody["decision"]): { response: unknown } | { problem: string } {
  switch (decision) {
    case "accept":
      return { response: { decision: "approved" } };
    case "acceptForSession":
      return { response: { decision: "approved_for_session" } };
    case "decline":
      return { response: LEGACY_DECLINED };
    case "cancel":
      return { response: { decision: "abort" } };
    default:
      return { problem: "decision: one of accept, acceptForSession, decline, cancel" };
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
