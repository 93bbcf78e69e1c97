import { join } from "node:path";
import type { CodexdTransport } from "./codexd/codexd-transport.js";
import type { ControlStore } from "@baa/control-store";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createConductorApp } from "./app.js";
import { CodexdClient } from "./codexd/codexd-client.js";
import { normalizeConductorConfig, type ConductorConfig, type ConductorConfigInput } from "./config.js";
import type { ControlPlane } from "./control-plane.js";
import { interruptRunTurn } from "./leadership/interrupt-run.js";
import { LeaseKeeper } from "./leadership/lease-keeper.js";
import { ClusterNode } from "./cluster/cluster-node.js";
import { registerNodeMetrics } from "./metrics/node-metrics.js";
import { createSilentLogger } from "./logger.js";
import { systemClockTimers, type ClockTimers } from "@baa/clock";
import { ensureSharedToken, sharedTokenPath, type TokenSource } from "./shared-token.js";
import { guardStore } from "./store/guarded-store.js";
import { openConductorStore, describeStore } from "./store/open-store.js";
import { SystemModes } from "./system/system-modes.js";
import { TaskEngine } from "./tasks/task-engine.js";
import { ConductorMetrics } from "./metrics/conductor-metrics.js";
import { GitHubService } from "./github/github-service.js";
import { ScheduleLoop } from "./schedules/schedule-loop.js";
import { createNotificationDispatcher } from "./notifications/notification-setup.js";
import type { NotificationDispatcherOptions } from "./notifications/notification-dispatcher.js";
import { trackConnections, type ServerCloser } from "@baa/lifecycle";

/** How long in-flight requests and streams get at stop before their sockets are closed. */
const SERVER_CLOSE_GRACE_MS = 5_000;

export interface ConductorRuntimeOptions {
  /**
   * Start the background loops with the server: the lease keeper, the system-mode refresh and
   * the scheduler. Without them the node serves its API but never leads nor claims.
   */
  autoStartLoops?: boolean;
  /** A store to use instead of opening the configured one; the runtime still migrates and closes it. */
  store?: ControlStore;
  /** Clock and timers of the background loops. */
  timers?: ClockTimers;
  now?: () => number;
  logger?: Logger;
  transport?: CodexdTransport;
  /** Replaces the loopback/trusted-CIDR check of access control. */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
  /** Overrides of the notification dispatcher (tests shorten the backoff). */
  notifications?: Partial<Pick<NotificationDispatcherOptions, "backoff" | "send" | "pollMs">>;
}

export type RuntimeState = "created" | "starting" | "running" | "stopping" | "stopped";

/** What the runtime reports about itself; never contains the token. */
export interface ConductorSnapshot {
  nodeId: string;
  host: string;
  role: "primary" | "standby";
  state: RuntimeState;
  startedAt: string | null;
  controlApi: { localApiBase: string; controlApiBase: string };
  codexd: { localApiBase: string };
  auth: { tokenSource: TokenSource; tokenFile?: string; trustedCidrs: readonly string[] };
  paths: ConductorConfig["paths"];
  loops: { autoStart: boolean };
  /** Which store and where (PostgreSQL: host, database and schema, never the password). */
  store: { kind: "sqlite" | "postgres"; location: string; schemaVersion: number | null };
}

/**
 * One conductor node in-process: `start()` listens on `localApiBase` (port 0 picks one) and
 * resolves a snapshot whose `controlApi.localApiBase` is the real URL; `stop()` closes the
 * server and every relayed stream and may be called any number of times.
 */
export class ConductorRuntime {
  readonly config: ConductorConfig;
  readonly #options: ConductorRuntimeOptions;
  readonly #logger: Logger;
  #state: RuntimeState = "created";
  #app: FastifyInstance | undefined;
  #connections: ServerCloser | undefined;
  #listenBase: string | undefined;
  #startedAt: string | null = null;
  #tokenSource: TokenSource;
  #tokenFile: string | undefined;
  #starting: Promise<ConductorSnapshot> | undefined;
  #stopping: Promise<void> | undefined;
  #control: ControlPlane | undefined;
  #tasks: TaskEngine | undefined;
  #schemaVersion: number | null = null;
  #metrics: ConductorMetrics | undefined;
  /** Closes what start opened, the last opened first. */
  readonly #closers: { what: string; close: () => Promise<void> }[] = [];

  constructor(config: ConductorConfigInput | ConductorConfig = {}, options: ConductorRuntimeOptions = {}) {
    this.config = normalizeConductorConfig(config);
    this.#options = options;
    this.#logger = (options.logger ?? createSilentLogger()).child({ nodeId: this.config.nodeId });
    this.#tokenSource = this.config.sharedToken === undefined ? "generated" : "config";
    this.#tokenFile = this.config.sharedToken === undefined ? sharedTokenPath(this.config.paths.stateDir) : undefined;
  }

  start(): Promise<ConductorSnapshot> {
    if (this.#stopping !== undefined) return Promise.reject(new Error("a stopped ConductorRuntime cannot start again"));
    if (this.#starting !== undefined) return this.#starting;
    // A start that fails half way closes what it had opened (the store, the codexd client).
    this.#starting = this.#start().catch(async (error: unknown) => {
      this.#state = "stopped";
      await this.#closeOpened();
      throw error;
    });
    return this.#starting;
  }

  async #start(): Promise<ConductorSnapshot> {
    this.#state = "starting";
    const { config } = this;
    const token = ensureSharedToken({ configured: config.sharedToken, stateDir: config.paths.stateDir });
    this.#tokenSource = token.source;
    this.#tokenFile = token.tokenFile;
    if (token.source === "generated") {
      this.#logger.info(
        { tokenFile: token.tokenFile, created: token.created },
        token.created ? "generated shared token" : "using stored shared token"
      );
      if (token.permissionsFixed) this.#logger.warn({ tokenFile: token.tokenFile }, "shared token file was readable by others; reset to 0600");
    }

    const timers = this.#options.timers ?? systemClockTimers;
    const rawStore = this.#options.store ?? (await openConductorStore(config, this.#logger));
    this.#closers.push({ what: "store", close: () => rawStore.close() });
    const store = guardStore(rawStore, { timers, deadlineMs: config.storeConnectTimeoutMs + config.storeQueryTimeoutMs });
    const migrated = await store.migrate();
    this.#schemaVersion = migrated.to;
    this.#logger.info({ store: describeStore(config), from: migrated.from, to: migrated.to }, "store ready");

    const codexd = new CodexdClient({
      baseUrl: config.codexdLocalApiBase,
      requestTimeoutMs: config.proxyTimeoutMs,
      connectTimeoutMs: config.codexdConnectTimeoutMs,
      logger: this.#logger.child({ component: "codexd-client" }),
      ...(this.#options.transport === undefined ? {} : { transport: this.#options.transport })
    });
    this.#closers.push({ what: "codexd client", close: () => codexd.close() });

    const system = new SystemModes({ store, timers, logger: this.#logger, refreshEveryMs: Math.max(50, Math.floor(config.leaseTtlMs / 3)) });
    await system.refresh();
    const lease = new LeaseKeeper({
      store,
      nodeId: config.nodeId,
      role: config.role,
      ttlMs: config.leaseTtlMs,
      timers,
      logger: this.#logger,
      interruptTurn: (run) => interruptRunTurn(codexd, run)
    });
    this.#control = { store, lease, system };
    // One registry per node; the scheduler claims through a store that times its claims.
    const metrics = new ConductorMetrics({ store, lease, system, now: () => timers.now(), logger: this.#logger });
    this.#metrics = metrics;
    this.#closers.push({ what: "metrics", close: async () => metrics.close() });
    const nodeMetrics = registerNodeMetrics(metrics.registry);
    // PostgreSQL: every node claims under its own heartbeat; SQLite: one node, the leader's claim.
    const cluster = new ClusterNode({ config, store, lease, sharedToken: token.token, interruptLocal: (run) => interruptRunTurn(codexd, run), metrics: nodeMetrics, timers, logger: this.#logger });
    const own = cluster.schedulerSide();
    const tasks = new TaskEngine({
      config,
      store: metrics.timingClaims(store),
      codexd,
      leadership: own?.leadership ?? lease,
      ...(own === undefined ? {} : { claim: own.claim }),
      onStaleWrite: nodeMetrics.staleWrite,
      gate: system,
      quota: system,
      timers,
      logger: this.#logger
    });
    cluster.bind({ running: () => tasks.scheduler.activeCount, abandonLocalRuns: (reason) => tasks.scheduler.abandonAll(reason), listenAddress: () => this.#listenBase ?? null });
    metrics.watchEvents(tasks.events);
    this.#tasks = tasks;
    this.#closers.push({ what: "task event log", close: () => tasks.close() });
    const github =
      config.githubRepos.length > 0 || config.githubWebhookSecret !== undefined
        ? new GitHubService({
            config,
            store,
            scheduler: tasks.scheduler,
            diff: (taskId) => tasks.review.diff(taskId, {}),
            isLeader: () => lease.current() !== null,
            timers,
            logger: this.#logger
          })
        : undefined;
    const schedules = new ScheduleLoop({ store, scope: lease.scope, leadership: lease, onTask: () => tasks.scheduler.wake(), pollMs: config.schedulerPollMs, timers, logger: this.#logger });
    const notifications = createNotificationDispatcher({
      config,
      store,
      registry: metrics.registry,
      timers,
      logger: this.#logger,
      ...(this.#options.notifications === undefined ? {} : { overrides: this.#options.notifications })
    });

    const app = createConductorApp({
      config,
      sharedToken: token.token,
      logger: this.#logger,
      codexd,
      control: this.#control,
      metrics,
      schedules,
      notifications: () => store.notificationStats(),
      node: { ...(own === undefined ? {} : { claimer: own.leadership }), self: { nodeId: config.nodeId, noteDraining: (draining) => cluster.keeper.noteDraining(draining) } },
      tasks: {
        events: tasks.events,
        scheduler: tasks.scheduler,
        checkWorkspace: (cwd, workspace) => tasks.workspaces.problemWith(cwd, workspace),
        systemMode: () => system.cached()?.mode ?? null,
        runFolder: (run) => (run.owner === config.nodeId ? join(config.paths.runsDir, run.runId) : null),
        review: tasks.review
      },
      ...(github === undefined ? {} : { github }),
      ...(this.#options.isTrustedAddress === undefined ? {} : { isTrustedAddress: this.#options.isTrustedAddress })
    });
    this.#app = app;
    this.#connections = trackConnections(app.server);
    const url = new URL(config.localApiBase);
    const port = url.port === "" ? 80 : Number(url.port);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    try {
      await app.listen({ host, port });
    } catch (error) {
      this.#state = "stopped";
      await app.close().catch(() => {});
      throw error;
    }
    const address = app.server.address() as AddressInfo;
    const listenHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.#listenBase = `http://${listenHost}:${address.port}`;
    this.#startedAt = new Date((this.#options.now ?? Date.now)()).toISOString();
    if (this.#options.autoStartLoops ?? true) {
      system.start();
      this.#closers.push({ what: "system mode refresh", close: () => system.stop() });
      lease.start();
      this.#closers.push({ what: "lease keeper", close: () => lease.stop() });
      // Stopped after the scheduler: local runs end while their leases are still renewed.
      cluster.keeper.start();
      this.#closers.push({ what: "node keeper", close: () => cluster.keeper.stop() });
      // Stopped before the lease is released: local runs are abandoned while this node still holds it.
      tasks.start();
      this.#closers.push({ what: "task scheduler", close: () => tasks.stop() });
      const sweeper = cluster.sweeper;
      if (sweeper !== null) {
        sweeper.start();
        this.#closers.push({ what: "run-lease sweeper", close: () => sweeper.stop() });
      }
      if (github !== undefined) {
        github.start();
        this.#closers.push({ what: "github intake", close: () => github.stop() });
      }
      // Stopped before the lease is released, like the claim loop: a fire is the leader's alone.
      schedules.start();
      this.#closers.push({ what: "schedule loop", close: () => schedules.stop() });
      notifications.start();
      this.#closers.push({ what: "notification dispatcher", close: () => notifications.stop() });
    }
    this.#state = "running";
    this.#logger.info({ localApiBase: this.#listenBase, codexd: config.codexdLocalApiBase }, "conductor listening");
    return this.getSnapshot();
  }

  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#stopping = this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#starting !== undefined) await this.#starting.catch(() => {});
    this.#state = "stopping";
    // New requests get 503 first; then the loops stop (the lease is released last of them so a
    // standby takes over at once), then the codexd client and the store close.
    if (this.#app !== undefined) {
      const app = this.#app;
      const closed = await (this.#connections?.close(() => app.close(), SERVER_CLOSE_GRACE_MS) ?? app.close());
      if (closed === "forced") this.#logger.warn({ graceMs: SERVER_CLOSE_GRACE_MS }, "connections still open after the grace were closed");
    }
    await this.#closeOpened();
    this.#state = "stopped";
    this.#logger.info("conductor stopped");
  }

  /** The task engine (event log, scheduler, workspaces) once started. */
  get taskEngine(): TaskEngine | undefined {
    return this.#tasks;
  }

  /** The node's Prometheus registry and what feeds it, once started. */
  get metrics(): ConductorMetrics | undefined {
    return this.#metrics;
  }

  /** Store, lease and system mode once started (the scheduler and tests use them). */
  get controlPlane(): ControlPlane | undefined {
    return this.#control;
  }

  async #closeOpened(): Promise<void> {
    for (const closer of this.#closers.splice(0).reverse()) {
      try {
        await closer.close();
      } catch (error) {
        this.#logger.warn({ err: error, what: closer.what }, "close failed during stop");
      }
    }
  }

  getSnapshot(): ConductorSnapshot {
    const { config } = this;
    return {
      nodeId: config.nodeId,
      host: config.host,
      role: config.role,
      state: this.#state,
      startedAt: this.#startedAt,
      controlApi: { localApiBase: this.#listenBase ?? config.localApiBase, controlApiBase: config.controlApiBase },
      codexd: { localApiBase: config.codexdLocalApiBase },
      auth: {
        tokenSource: this.#tokenSource,
        ...(this.#tokenFile === undefined ? {} : { tokenFile: this.#tokenFile }),
        trustedCidrs: config.trustedCidrs
      },
      paths: config.paths,
      loops: { autoStart: this.#options.autoStartLoops ?? true },
      store: { kind: this.#control?.store.kind ?? (config.databaseUrl === undefined ? "sqlite" : "postgres"), location: describeStore(config), schemaVersion: this.#schemaVersion }
    };
  }
}
