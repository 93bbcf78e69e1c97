import { hostname } from "node:os";
import type { Logger } from "pino";
import { createSilentLogger } from "@baa/logging";
import {
  defaultServerRequestHandler,
  type AppServerEvent,
  type ServerRequestHandler
} from "@baa/app-server-client";
import { backgroundTimers, type Timers } from "@baa/clock";
import {
  nodeStateFs,
  removeStaleTempFiles,
  writeJsonAtomic,
  WriteHealth,
  type StateFs
} from "@baa/state-files";
import { APPROVAL_METHODS, pendingSummary, requestThreadId, type Approval } from "../approvals/approval.js";
import type { ApprovalBook } from "../approvals/approval-book.js";
import { ChildSupervisor } from "../child/child-supervisor.js";
import { readChildRss } from "../child/child-rss.js";
import { ChildWatchdog } from "../child/rss-watchdog.js";
import { stdioAppServerClientFactory, type AppServerClientFactory } from "../child/app-server-factory.js";
import { codexVersionInfo, type CodexVersionInfo } from "../child/codex-version.js";
import type { CodexdConfig } from "../config.js";
import type { DaemonStateFile } from "../state/daemon-state.js";
import type { DemoModel } from "../demo-mode.js";
import type { EventLog, RecentEvent } from "@baa/event-log";
import {
  applyNotification,
  eventTypeOf,
  paramsOf,
  threadIdOf,
  turnIdOf
} from "../sessions/notification-effects.js";
import { refuseIfAnotherDaemonRuns } from "../state/single-instance.js";
import type { SessionEventCache } from "../sessions/session-event-cache.js";
import type { SessionOperations } from "../sessions/session-operations.js";
import type { SessionRegistry } from "../sessions/session-registry.js";
import type { CodexdSession } from "../sessions/session.js";
import { reconcileTurnsFromLog } from "../sessions/turn-reconciliation.js";
import { defaultSpawner, type Spawner } from "../child/spawner.js";
import { buildStatus, type CodexdStatus } from "../state/status.js";
import { openCodexdStores, SESSION_RECENT_EVENTS } from "./codexd-stores.js";

export { SESSION_RECENT_EVENTS } from "./codexd-stores.js";

export interface CodexdDeps {
  spawner?: Spawner;
  appServerClientFactory?: AppServerClientFactory;
  env?: Readonly<Record<string, string | undefined>>;
  logger?: Logger;
  now?: () => number;
  /** The file system state files and the event log are written through (tests inject failures). */
  stateFs?: StateFs;
  /** Timers for state-write retries and approval timeouts. */
  timers?: Timers;
}

/**
 * codexd without HTTP: owns the `codex app-server` child, the sessions, approvals and their
 * events. `CodexdLocalService` puts the HTTP/WS app in front of it and listens.
 */
export class CodexdCore {
  readonly config: CodexdConfig;
  readonly logger: Logger;
  readonly events: EventLog;
  readonly sessions: SessionRegistry;
  readonly operations: SessionOperations;
  readonly approvals: ApprovalBook;
  readonly sessionEvents: SessionEventCache;
  /** Every state write reports here: failures are logged, and status is `degraded` while any persists. */
  readonly stateHealth: WriteHealth;
  readonly #deps: Required<Omit<CodexdDeps, "logger">>;
  readonly #daemonState: DaemonStateFile;
  #supervisor: ChildSupervisor | undefined;
  #watchdog: ChildWatchdog | undefined;
  #resolvedBaseUrl: string | null = null;
  #localSocketPath: string | null = null;
  #demo: DemoModel | undefined;
  #codex: CodexVersionInfo;
  #started = false;

  constructor(config: CodexdConfig, deps: CodexdDeps = {}) {
    this.config = config;
    this.logger = deps.logger ?? createSilentLogger();
    const now = deps.now ?? Date.now;
    this.#deps = {
      spawner: deps.spawner ?? defaultSpawner,
      appServerClientFactory: deps.appServerClientFactory ?? stdioAppServerClientFactory,
      env: deps.env ?? process.env,
      now,
      stateFs: deps.stateFs ?? nodeStateFs,
      timers: deps.timers ?? backgroundTimers
    };
    const { stateFs: fs, timers } = this.#deps;
    this.stateHealth = new WriteHealth({ logger: this.logger.child({ component: "state" }), now });
    const health = this.stateHealth;
    this.#codex = codexVersionInfo(config.server.childCommand);
    const stores = openCodexdStores(
      config,
      { now, fs, timers, health },
      {
        onApprovalChange: (approval) => this.#syncPendingApprovals(approval),
        client: () => this.#supervisor?.client
      }
    );
    this.events = stores.events;
    this.sessionEvents = stores.sessionEvents;
    this.sessions = stores.sessions;
    this.#daemonState = stores.daemonState;
    this.approvals = stores.approvals;
    this.operations = stores.operations;
  }

  /** True from `start()` until `stop()` begins (or start failed before the child was set up). */
  get running(): boolean {
    return this.#started || this.#supervisor !== undefined;
  }

  /**
   * Reconciles what a previous run left running, then starts the child; the API is not open yet.
   * `onChildLaunch` is called once the child's launch has begun (spawned; `initialize` goes out
   * when the spawn is reported): work queued from there on (the HTTP app's boot, behind a
   * setImmediate) overlaps the child's answer instead of delaying the request.
   */
  async start(hooks: { onChildLaunch?: () => void } = {}): Promise<void> {
    const { config } = this;
    const now = this.#deps.now;
    refuseIfAnotherDaemonRuns(config.paths.daemonStatePath, config.paths.stateRootDir);
    removeStaleTempFiles(config.paths.stateRootDir);
    writeJsonAtomic(
      config.paths.identityPath,
      {
        nodeId: config.nodeId,
        repoRoot: config.paths.repoRoot,
        hostname: hostname(),
        service: "codexd",
        version: config.version,
        logsDir: config.paths.logsRootDir,
        stateDir: config.paths.stateRootDir,
        localApiBase: config.service.localApiBase,
        writtenAt: new Date(now()).toISOString()
      },
      { fs: this.#deps.stateFs }
    );
    writeJsonAtomic(
      config.paths.runRegistryPath,
      { runs: [], updatedAt: new Date(now()).toISOString() },
      { fs: this.#deps.stateFs }
    );
    // Written through but fsynced once, when the API listens (or the start is undone).
    this.#daemonState.deferSync();
    try {
      await this.#startChild(hooks);
    } catch (error) {
      this.#daemonState.syncFromNowOn();
      throw error;
    }
  }

  /** The rest of `start()`: the daemon state (written without fsync meanwhile), reconciliation, the child. */
  async #startChild(hooks: { onChildLaunch?: () => void }): Promise<void> {
    const { config } = this;
    const now = this.#deps.now;
    this.#daemonState.update((state) => {
      state.started = false;
      state.startedAt = new Date(now()).toISOString();
      state.stoppedAt = null;
      state.pid = process.pid;
    });
    // Whatever the last run left running or waiting did not survive it.
    await reconcileTurnsFromLog(this.events, this.sessions);
    this.approvals.expirePending("codexd restarted; the request died with the previous codex app-server");
    this.operations.interruptAllRunning("codexd restarted while the turn was running");

    let env = { ...this.#deps.env };
    if (config.demo) {
      // Loaded only in demo mode: the mock model is not part of a normal start-up.
      const { startDemoModel } = await import("../demo-mode.js");
      this.#demo = await startDemoModel(config.paths.demoCodexHome);
      env = { ...env, CODEX_HOME: config.paths.demoCodexHome };
      this.logger.info(
        { modelUrl: this.#demo.url, codexHome: config.paths.demoCodexHome },
        "demo mode: codex talks to the bundled mock model"
      );
    }
    this.#supervisor = new ChildSupervisor({
      child: {
        config,
        spawner: this.#deps.spawner,
        factory: this.#deps.appServerClientFactory,
        env,
        logger: this.logger,
        daemonState: this.#daemonState,
        health: this.stateHealth,
        now,
        onEvent: (event) => this.#onAppServerEvent(event),
        onServerRequest: this.#onServerRequest
      },
      daemonState: this.#daemonState,
      events: this.events,
      policy: config.restart,
      logger: this.logger,
      now,
      timers: this.#deps.timers,
      onUp: async (client) => {
        const recovery = await this.operations.resumeAll(client);
        if (recovery.resumed + recovery.failed > 0)
          this.logger.info(recovery, "sessions re-attached to codex app-server");
      },
      onDown: (reason) => {
        this.approvals.expirePending(`${reason}; the request died with it`);
        this.operations.interruptAllRunning(reason);
      }
    });
    // A child that will not start is reported (and retried), not fatal: the API still answers.
    const launched = this.#supervisor.start();
    hooks.onChildLaunch?.();
    await launched;
    this.#startWatchdog(this.#supervisor);
    this.events.record({
      type: "daemon.started",
      data: { pid: process.pid, childPid: this.#supervisor.pid }
    });
  }

  /** The API listens at `baseUrl`: codexd counts as started from here on. */
  markListening(baseUrl: string, localSocketPath: string | null = null): void {
    this.#resolvedBaseUrl = baseUrl.replace(/\/$/, "");
    this.#localSocketPath = localSocketPath;
    // Written and fsynced in one write, with everything the start changed before it.
    this.#daemonState.syncFromNowOn((state) => {
      state.started = true;
    });
    this.#started = true;
    this.logger.info({ baseUrl: this.#resolvedBaseUrl, childPid: this.#supervisor?.pid }, "codexd started");
  }

  /** Undoes `start()` when the API could not listen: the child and the demo model stop. */
  async abortStart(): Promise<void> {
    await this.#watchdog?.stop();
    await this.#supervisor?.stop();
    await this.#demo?.close();
    this.#daemonState.syncFromNowOn();
    this.#daemonState.updateChild({ status: "stopped", pid: null });
  }

  /** Stops the child and closes the state files; the caller has closed the API before. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.#started = false;
    await this.#watchdog?.stop();
    await this.#supervisor?.stop();
    this.#supervisor = undefined;
    // Said now, not at the next start: `codexd status` while down shows the truth.
    this.approvals.expirePending("codexd stopped; the request died with its codex app-server");
    this.operations.interruptAllRunning("codexd stopped while the turn was running");
    await this.#demo?.close();
    this.#demo = undefined;
    this.#daemonState.syncFromNowOn();
    this.#daemonState.updateChild({ status: "stopped", pid: null });
    this.#daemonState.update((state) => {
      state.started = false;
      state.stoppedAt = new Date(this.#deps.now()).toISOString();
    });
    this.events.record({ type: "daemon.stopped" });
    this.#daemonState.close();
    await this.sessions.close();
    await this.approvals.close();
    await this.events.close();
    this.logger.info("codexd stopped");
  }

  /** BAA_CODEXD_CHILD_MAX_RSS_MB: a child over it is restarted when no turn runs (child/rss-watchdog.ts). */
  #startWatchdog(supervisor: ChildSupervisor): void {
    const { maxRssMb, intervalMs } = this.config.watchdog;
    this.#watchdog = new ChildWatchdog({
      maxRssMb,
      intervalMs,
      pid: () => (this.#daemonState.state.child.status === "running" ? supervisor.pid : null),
      activeTurns: () => this.sessions.list().filter((s) => s.activeTurn !== null).length,
      readRss: readChildRss,
      restart: async (reason) => {
        this.events.record({
          type: "child.watchdog_restart",
          data: { reason, rssBytes: this.#watchdog?.state.lastRssBytes ?? null }
        });
        await supervisor.restart(reason);
      },
      logger: this.logger,
      now: this.#deps.now,
      timers: this.#deps.timers
    });
    this.#watchdog.start();
  }

  /** Restarts the child by hand (also out of a crash loop); resolves once it is up or failed again. */
  async restartChild(): Promise<boolean> {
    if (this.#supervisor === undefined) return false;
    return this.#supervisor.restart();
  }

  /**
   * Resolves once the state files hold everything the API would report now: pending (lazy)
   * writes start at once. Reads of the API wait for this, so the files never lag an answer.
   */
  async stateSettled(): Promise<void> {
    // While writes fail, a read retries them first, so the status it answers is current.
    if (this.stateHealth.degraded) await this.stateHealth.retryAll();
    await Promise.all([this.sessions.settled(), this.events.recentSettled(), this.approvals.settled()]);
  }

  listSessions(): CodexdSession[] {
    return this.sessions.list();
  }

  /** A session's newest events: from the per-session cache, else from the shared ring. */
  recentSessionEvents(sessionId: string): RecentEvent[] {
    return (
      this.sessionEvents.get(sessionId) ?? this.events.recent({ sessionId, limit: SESSION_RECENT_EVENTS })
    );
  }

  getStatus(): CodexdStatus {
    return buildStatus({
      config: this.config,
      resolvedBaseUrl: this.#resolvedBaseUrl,
      localSocketPath: this.#localSocketPath,
      daemon: this.#daemonState.state,
      sessions: this.sessions.list(),
      events: this.events.recent(),
      lastSeq: this.events.lastSeq,
      codex: this.#codex,
      now: this.#deps.now(),
      health: this.stateHealth.report(),
      unwrittenEvents: this.events.unwritten,
      watchdog: this.#watchdog?.state ?? null
    });
  }

  #onAppServerEvent(event: AppServerEvent): void {
    const threadId = threadIdOf(event);
    const session = threadId === null ? undefined : this.sessions.byThread(threadId);
    const at = new Date(this.#deps.now()).toISOString();
    if (event.notificationMethod === "serverRequest/resolved")
      this.approvals.resolvedByServer(event.requestId);
    // Logged first, so the session can name the seq that holds a text it keeps cut. Both happen
    // in one synchronous step: nobody reads the session in between.
    const recorded = this.events.record({
      type: eventTypeOf(event),
      sessionId: session?.sessionId ?? null,
      threadId,
      turnId: turnIdOf(event),
      data: paramsOf(event)
    });
    if (session !== undefined) {
      const context = { at, seq: recorded.seq, maxTextBytes: this.config.limits.eventTextMaxBytes };
      this.sessions.update(session, (s) => applyNotification(s, event, context));
    }
  }

  // A request that waits on a person is held as an approval until answered (or declined at its
  // timeout); one no person can answer gets the client's default answer at once. Nothing is
  // left hanging.
  readonly #onServerRequest: ServerRequestHandler = async (request) => {
    const kind = APPROVAL_METHODS[request.method];
    const threadId = requestThreadId(request.params);
    const session = threadId === null ? undefined : this.sessions.byThread(threadId);
    if (kind !== undefined) return this.approvals.hold(request, kind, session?.sessionId ?? null);
    this.events.record({
      type: "app-server.request.declined",
      sessionId: session?.sessionId ?? null,
      data: { method: request.method, id: request.id }
    });
    return defaultServerRequestHandler(request);
  };

  #syncPendingApprovals(approval: Approval): void {
    const session = approval.sessionId === null ? undefined : this.sessions.get(approval.sessionId);
    if (session === undefined) return;
    const pending = this.approvals
      .list({ sessionId: session.sessionId, status: "pending" })
      .map(pendingSummary);
    this.sessions.update(
      session,
      (s) => {
        s.pendingApprovals = pending;
      },
      { urgent: true }
    );
  }
}
