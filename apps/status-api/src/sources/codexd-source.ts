import type { HttpClient } from "./http-client.js";
import { readData, type SourceError } from "./source-error.js";

export interface SessionView {
  sessionId: string;
  status: string;
  purpose: string;
  cwd: string;
  turnCount: number;
  running: boolean;
  updatedAt: string;
  /** The session's latest events while a turn runs (its live view); empty otherwise. */
  liveEvents: EventView[];
  lastTurn: {
    turnId: string | null;
    status: string | null;
    error: string | null;
    startedAt: string | null;
    completedAt: string | null;
    agentMessage: string | null;
  } | null;
}

export interface ApprovalView {
  approvalId: string;
  sessionId: string;
  kind: string;
  turnId: string | null;
  /** What is asked: the command, the file change or the question, as codexd reports it. */
  details: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

export interface EventView {
  seq: number;
  type: string;
  at: string;
  sessionId: string | null;
  turnId: string | null;
}

export interface CodexdView {
  reachable: boolean;
  baseUrl: string;
  error: SourceError | null;
  latencyMs: number | null;
  service: {
    version: string;
    nodeId: string;
    demo: boolean;
    uptimeMs: number | null;
    codexVersion: string | null;
  } | null;
  child: {
    status: string;
    pid: number | null;
    restarts: number;
    uptimeMs: number | null;
    lastError: string | null;
    nextRestartAt: string | null;
  } | null;
  sessions: SessionView[];
  sessionCount: number;
  activeSessionCount: number;
  pendingApprovals: ApprovalView[];
  recentEvents: EventView[];
  lastSeq: number | null;
}

/** Sessions and events shown at most; the page needs the recent ones, not the history. */
export const CODEXD_LIMITS = { sessions: 50, events: 30, liveEvents: 8 } as const;

// Streaming deltas would push every other event out of a short list.
const NOISY_EVENT = /(^|\.)(delta|[a-zA-Z]*Delta)$|\.delta\.|outputDelta|tokenUsage/;

/** codexd's part of /v1/status when nothing could be read from it. */
export function unreachableCodexd(
  baseUrl: string,
  error: SourceError | null,
  latencyMs: number | null
): CodexdView {
  return {
    reachable: false,
    baseUrl,
    error,
    latencyMs,
    service: null,
    child: null,
    sessions: [],
    sessionCount: 0,
    activeSessionCount: 0,
    pendingApprovals: [],
    recentEvents: [],
    lastSeq: null
  };
}

/** Reads codexd's status document into the part of /v1/status that describes codexd. */
export async function readCodexd(
  http: HttpClient,
  options: { baseUrl: string; timeoutMs: number }
): Promise<CodexdView> {
  const outcome = await http({ url: `${options.baseUrl}/v1/codexd/status`, timeoutMs: options.timeoutMs });
  const part = readData(outcome, "GET /v1/codexd/status");
  const empty = unreachableCodexd(options.baseUrl, null, outcome.latencyMs);
  if (!part.available) return { ...empty, error: part.error };
  const data = part.value as CodexdStatusData;
  const daemon = data.snapshot?.daemon;
  const registry = data.snapshot?.sessionRegistry;
  if (daemon === undefined || registry === undefined || !Array.isArray(registry.sessions)) {
    return {
      ...empty,
      error: { code: "bad_response", message: "GET /v1/codexd/status: not a codexd status document" }
    };
  }
  const sessions = [...registry.sessions].sort((a, b) =>
    (b.updatedAt ?? "").localeCompare(a.updatedAt ?? "")
  );
  const events = (data.snapshot?.recentEvents?.events ?? [])
    .filter((event) => !NOISY_EVENT.test(event.type))
    .map(toEventView);
  return {
    ...empty,
    reachable: true,
    service: {
      version: data.service?.version ?? "unknown",
      nodeId: data.service?.nodeId ?? "unknown",
      demo: data.service?.demo === true,
      uptimeMs: daemon.uptimeMs ?? null,
      codexVersion: data.codex?.version ?? null
    },
    child: {
      status: daemon.child?.status ?? "unknown",
      pid: daemon.child?.pid ?? null,
      restarts: daemon.child?.restarts ?? 0,
      uptimeMs: daemon.child?.uptimeMs ?? null,
      lastError: daemon.child?.lastError ?? null,
      nextRestartAt: daemon.child?.nextRestartAt ?? null
    },
    sessions: sessions.slice(0, CODEXD_LIMITS.sessions).map((session) => toSessionView(session, events)),
    sessionCount: registry.count ?? sessions.length,
    activeSessionCount: registry.activeCount ?? sessions.filter((s) => s.status === "active").length,
    pendingApprovals: sessions.flatMap((session) =>
      (session.pendingApprovals ?? [])
        .filter((approval) => approval.status === "pending")
        .map((approval) => ({
          approvalId: approval.approvalId,
          sessionId: session.sessionId,
          kind: approval.kind,
          turnId: approval.turnId ?? null,
          details: approval.details ?? {},
          createdAt: approval.createdAt,
          expiresAt: approval.expiresAt
        }))
    ),
    recentEvents: events.slice(-CODEXD_LIMITS.events),
    lastSeq: data.snapshot?.recentEvents?.lastSeq ?? null
  };
}

function toEventView(event: EventView): EventView {
  return { seq: event.seq, type: event.type, at: event.at, sessionId: event.sessionId, turnId: event.turnId };
}

function toSessionView(session: RawSession, events: EventView[]): SessionView {
  const running = session.activeTurn != null;
  const hasTurn = session.lastTurnId != null || session.lastTurnStatus != null || session.activeTurn != null;
  return {
    sessionId: session.sessionId,
    status: session.status,
    purpose: session.purpose ?? "",
    cwd: session.cwd ?? "",
    turnCount: session.turnCount ?? 0,
    running,
    updatedAt: session.updatedAt ?? "",
    liveEvents: running
      ? events.filter((event) => event.sessionId === session.sessionId).slice(-CODEXD_LIMITS.liveEvents)
      : [],
    lastTurn: hasTurn
      ? {
          turnId: session.activeTurn?.turnId ?? session.lastTurnId ?? null,
          status: session.activeTurn != null ? "inProgress" : (session.lastTurnStatus ?? null),
          error: session.lastTurnError ?? null,
          startedAt: session.activeTurn?.startedAt ?? session.lastTurnStartedAt ?? null,
          completedAt: session.activeTurn != null ? null : (session.lastTurnCompletedAt ?? null),
          agentMessage: clip(session.lastAgentMessage ?? null, 2_000)
        }
      : null
  };
}

function clip(text: string | null, max: number): string | null {
  return text === null || text.length <= max ? text : `${text.slice(0, max)}…`;
}

// The parts of codexd's status document read here (apps/codexd/src/state/status.ts).
interface RawSession {
  sessionId: string;
  status: string;
  purpose?: string;
  cwd?: string;
  updatedAt?: string;
  turnCount?: number;
  activeTurn?: { turnId: string | null; startedAt: string } | null;
  lastTurnId?: string | null;
  lastTurnStatus?: string | null;
  lastTurnError?: string | null;
  lastTurnStartedAt?: string | null;
  lastTurnCompletedAt?: string | null;
  lastAgentMessage?: string | null;
  pendingApprovals?: Array<{
    approvalId: string;
    kind: string;
    turnId?: string | null;
    details?: Record<string, unknown>;
    status: string;
    createdAt: string;
    expiresAt: string;
  }>;
}

interface CodexdStatusData {
  service?: { version?: string; nodeId?: string; demo?: boolean };
  codex?: { version?: string | null };
  snapshot?: {
    daemon?: {
      uptimeMs?: number | null;
      child?: {
        status?: string;
        pid?: number | null;
        restarts?: number;
        uptimeMs?: number | null;
        lastError?: string | null;
        nextRestartAt?: string | null;
      };
    };
    sessionRegistry?: { sessions: RawSession[]; count?: number; activeCount?: number };
    recentEvents?: { events?: EventView[]; lastSeq?: number };
  };
}
