import { mkdirSync } from "node:fs";
import type { Timers } from "@baa/clock";
import { EventLog } from "@baa/event-log";
import type { StateFs, WriteHealth } from "@baa/state-files";
import type { Approval } from "../approvals/approval.js";
import { ApprovalBook } from "../approvals/approval-book.js";
import type { CodexdConfig } from "../config.js";
import { SessionEventCache } from "../sessions/session-event-cache.js";
import { SessionOperations, type SessionOperationsDeps } from "../sessions/session-operations.js";
import { SessionRegistry } from "../sessions/session-registry.js";
import { DaemonStateFile, initialDaemonState } from "../state/daemon-state.js";

/** How many of a session's newest events `GET /v1/codexd/sessions/:id` returns. */
export const SESSION_RECENT_EVENTS = 100;

/** What codexd keeps: its event log and everything recorded beside it, wired to each other. */
export interface CodexdStores {
  events: EventLog;
  sessionEvents: SessionEventCache;
  sessions: SessionRegistry;
  daemonState: DaemonStateFile;
  approvals: ApprovalBook;
  operations: SessionOperations;
}

/**
 * Opens codexd's state under `config.paths` (the directories made if missing): the event log,
 * the per-session event cache filled from its recent events, the session registry, the daemon
 * state, the approvals and the session operations over them. Every write reports to `health`.
 */
export function openCodexdStores(
  config: CodexdConfig,
  io: { now: () => number; fs: StateFs; timers: Timers; health: WriteHealth },
  hooks: { onApprovalChange(approval: Approval): void; client: SessionOperationsDeps["client"] }
): CodexdStores {
  const { now, fs, timers, health } = io;
  const { limits, paths } = config;
  mkdirSync(paths.stateRootDir, { recursive: true });
  mkdirSync(paths.logsRootDir, { recursive: true });
  const events = new EventLog({
    logPath: paths.structuredEventLogPath,
    recentPath: paths.recentEventsPath,
    limit: limits.recentEventsLimit,
    maxFileBytes: limits.eventLogMaxFileBytes,
    maxTotalBytes: limits.eventLogMaxTotalBytes,
    maxBytes: limits.recentEventsMaxBytes,
    maxTextBytes: limits.eventTextMaxBytes,
    now,
    health,
    fs,
    timers
  });
  const sessionEvents = new SessionEventCache({
    perSession: SESSION_RECENT_EVENTS,
    sessions: 256,
    perSessionBytes: limits.sessionEventsMaxBytes,
    maxBytes: limits.sessionCacheMaxBytes
  });
  for (const event of events.recent()) sessionEvents.add(event);
  events.subscribe((_event, _json, recent) => sessionEvents.add(recent.view, recent.bytes));
  const sessions = new SessionRegistry({
    path: paths.sessionRegistryPath,
    now,
    lastSeq: () => events.lastSeq,
    health,
    maxBytes: limits.sessionRegistryMaxBytes,
    fs,
    timers
  });
  const daemonState = new DaemonStateFile({
    path: paths.daemonStatePath,
    now,
    health,
    fs,
    timers,
    initial: initialDaemonState(config, process.pid, now())
  });
  const approvals = new ApprovalBook({
    path: paths.approvalsPath,
    events,
    now,
    timeoutMs: limits.approvalTimeoutMs,
    onChange: hooks.onApprovalChange,
    health,
    maxBytes: limits.approvalsMaxBytes,
    maxTextBytes: limits.eventTextMaxBytes,
    fs,
    timers
  });
  const operations = new SessionOperations({
    registry: sessions,
    events,
    client: hooks.client,
    defaultCwd: config.server.childCwd,
    now,
    // What sessions and turns are recorded in; other files failing (a child log) do not refuse them.
    state: { probe: () => health.probe([paths.sessionRegistryPath, paths.structuredEventLogPath]) },
    limits: {
      maxActiveTurns: limits.maxActiveTurns,
      maxSessions: limits.maxSessions,
      maxClosedSessions: limits.maxClosedSessions
    }
  });
  return { events, sessionEvents, sessions, daemonState, approvals, operations };
}
