import type { CodexVersionInfo } from "../child/codex-version.js";
import type { WatchdogState } from "../child/rss-watchdog.js";
import type { CodexdConfig } from "../config.js";
import type { DaemonState } from "./daemon-state.js";
import type { RecentEvent } from "@baa/event-log";
import type { StateHealthReport } from "@baa/state-files";
import type { CodexdSession } from "../sessions/session.js";

export interface CodexdStatus {
  service: {
    name: "codexd";
    version: string;
    nodeId: string;
    localApiBase: string;
    resolvedBaseUrl: string | null;
    /** The same API on a Unix socket file (owner only), for local clients; null when TCP only. */
    localSocketPath: string | null;
    eventStreamPath: string;
    eventStreamUrl: string | null;
    mode: "app-server";
    demo: boolean;
  };
  codex: CodexVersionInfo;
  /**
   * `degraded` while a state file or the event log cannot be written, with one reason per
   * file; requests that would report something saved answer 503 `state_write_failed` meanwhile.
   */
  health: StateHealthReport & {
    /** Events waiting to be written to the log, and events dropped because they did not fit. */
    unwrittenEvents: { waiting: number; lost: number };
  };
  snapshot: {
    daemon: DaemonState & {
      uptimeMs: number | null;
      child: DaemonState["child"] & { uptimeMs: number | null; watchdog: WatchdogState | null };
    };
    identity: { nodeId: string; repoRoot: string };
    sessionRegistry: { sessions: CodexdSession[]; count: number; activeCount: number };
    recentEvents: { events: RecentEvent[]; count: number; lastSeq: number };
    runRegistry: { runs: unknown[] };
  };
}

export function buildStatus(input: {
  config: CodexdConfig;
  resolvedBaseUrl: string | null;
  localSocketPath?: string | null;
  daemon: DaemonState;
  sessions: CodexdSession[];
  events: RecentEvent[];
  lastSeq: number;
  codex: CodexVersionInfo;
  now: number;
  health: StateHealthReport;
  unwrittenEvents: { waiting: number; lost: number };
  /** The memory watchdog's readings and restarts (docs/runtime/codexd.md). */
  watchdog?: WatchdogState | null;
}): CodexdStatus {
  const { config, resolvedBaseUrl } = input;
  const wsBase = resolvedBaseUrl?.replace(/^http/, "ws") ?? null;
  return {
    service: {
      name: "codexd",
      version: config.version,
      nodeId: config.nodeId,
      localApiBase: config.service.localApiBase,
      resolvedBaseUrl,
      localSocketPath: input.localSocketPath ?? null,
      eventStreamPath: config.service.eventStreamPath,
      eventStreamUrl: wsBase === null ? null : `${wsBase}${config.service.eventStreamPath}`,
      mode: config.server.mode,
      demo: config.demo
    },
    codex: input.codex,
    health: { ...input.health, unwrittenEvents: input.unwrittenEvents },
    snapshot: {
      daemon: {
        ...input.daemon,
        uptimeMs: input.daemon.started ? since(input.daemon.startedAt, input.now) : null,
        child: {
          ...input.daemon.child,
          uptimeMs:
            input.daemon.child.status === "running" ? since(input.daemon.child.startedAt, input.now) : null,
          watchdog: input.watchdog === undefined || input.watchdog === null ? null : { ...input.watchdog }
        }
      },
      identity: { nodeId: config.nodeId, repoRoot: config.paths.repoRoot },
      sessionRegistry: {
        sessions: input.sessions,
        count: input.sessions.length,
        activeCount: input.sessions.filter((s) => s.status === "active").length
      },
      recentEvents: { events: input.events, count: input.events.length, lastSeq: input.lastSeq },
      runRegistry: { runs: [] }
    }
  };
}

function since(iso: string | null, now: number): number | null {
  return iso === null ? null : Math.max(0, now - Date.parse(iso));
}
