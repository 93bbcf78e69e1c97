import type { ControlStore } from "@baa/control-store";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { CodexdClient } from "./codexd/codexd-client.js";
import { normalizeConductorConfig, type ConductorConfig, type ConductorConfigInput } from "./config.js";
import type { ControlPlane } from "./control-plane.js";
import { interruptRunTurn } from "./leadership/interrupt-run.js";
import { LeaseKeeper } from "./leadership/lease-keeper.js";
import { ClusterNode } from "./cluster/cluster-node.js";
import { registerGitHubMetrics } from "./metrics/github-metrics.js";
import { registerLandQueueMetrics } from "./metrics/land-queue-metrics.js";
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
import { createNodeApp, startNodeLoops, type NodeParts, type NodeServices } from "./runtime-wiring.js";
import type { ConductorRuntimeOptions, ConductorSnapshot, RuntimeState } from "./runtime-types.js";
import { trackConnections, type ServerCloser } from "@baa/lifecycle";

/** How long in-flight requests and streams get at stop before their sockets are closed. */
const SERVER_CLOSE_GRACE_MS = 5_000;

export type { ConductorRuntimeOptions, ConductorSnapshot, RuntimeState } from "./runtime-types.js";

type SharedToken = ReturnType<typeof ensureSharedToken>;
type OpenedParts = Pick<NodeParts, "store" | "codexd" | "sharedToken" | "timers">;

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
    this.#tokenFile =
      this.config.sharedToken === undefined ? sharedTokenPath(this.config.paths.stateDir) : undefined;
  }

  start(): Promise<ConductorSnapshot> {
    if (this.#stopping !== undefined)
      return Promise.reject(new Error("a stopped ConductorRuntime cannot start again"));
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
    const token = this.#useSharedToken();
    const timers = this.#options.timers ?? systemClockTimers;
    const store = await this.#openStore(timers);
    const codexd = this.#openCodexdClient();
    const node = await this.#wireNode({ store, codexd, sharedToken: token.token, timers });
    const services = this.#wireServices(node);
    const app = createNodeApp({ config, logger: this.#logger, options: this.#options }, node, services);
    await this.#listen(app);
    this.#startedAt = new Date((this.#options.now ?? Date.now)()).toISOString();
    if (this.#options.autoStartLoops ?? true) startNodeLoops(node, services, this.#closers);
    this.#state = "running";
    this.#logger.info(
      { localApiBase: this.#listenBase, codexd: config.codexdLocalApiBase },
      "conductor listening"
    );
    return this.getSnapshot();
  }

  /** The shared token, configured or generated (and stored) in the state directory. */
  #useSharedToken(): SharedToken {
    const { config } = this;
    const token = ensureSharedToken({ configured: config.sharedToken, stateDir: config.paths.stateDir });
    this.#tokenSource = token.source;
    this.#tokenFile = token.tokenFile;
    if (token.source === "generated") {
      this.#logger.info(
        { tokenFile: token.tokenFile, created: token.created },
        token.created ? "generated shared token" : "using stored shared token"
      );
      if (token.permissionsFixed)
        this.#logger.warn(
          { tokenFile: token.tokenFile },
          "shared token file was readable by others; reset to 0600"
        );
    }
    return token;
  }

  /** The store, opened (or given), guarded by a deadline and migrated. */
  async #openStore(timers: ClockTimers): Promise<ControlStore> {
    const { config } = this;
    const rawStore = this.#options.store ?? (await openConductorStore(config, this.#logger));
    this.#closers.push({ what: "store", close: () => rawStore.close() });
    const store = guardStore(rawStore, {
      timers,
      deadlineMs: config.storeConnectTimeoutMs + config.storeQueryTimeoutMs
    });
    const migrated = await store.migrate();
    this.#schemaVersion = migrated.to;
    this.#logger.info({ store: describeStore(config), from: migrated.from, to: migrated.to }, "store ready");
    return store;
  }

  #openCodexdClient(): CodexdClient {
    const { config } = this;
    const codexd = new CodexdClient({
      baseUrl: config.codexdLocalApiBase,
      requestTimeoutMs: config.proxyTimeoutMs,
      connectTimeoutMs: config.codexdConnectTimeoutMs,
      logger: this.#logger.child({ component: "codexd-client" }),
      ...(this.#options.transport === undefined ? {} : { transport: this.#options.transport })
    });
    this.#closers.push({ what: "codexd client", close: () => codexd.close() });
    return codexd;
  }

  /** System modes, the lease, the metrics registry and this node's place in the cluster. */
  async #wireNode(opened: OpenedParts): Promise<NodeParts> {
    const { config } = this;
    const { store, codexd, sharedToken, timers } = opened;
    const system = new SystemModes({
      store,
      timers,
      logger: this.#logger,
      refreshEveryMs: Math.max(50, Math.floor(config.leaseTtlMs / 3))
    });
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
    const metrics = new ConductorMetrics({
      store,
      lease,
      system,
      now: () => timers.now(),
      logger: this.#logger
    });
    this.#metrics = metrics;
    this.#closers.push({ what: "metrics", close: async () => metrics.close() });
    const nodeMetrics = registerNodeMetrics(metrics.registry);
    // PostgreSQL: every node claims under its own heartbeat; SQLite: one node, the leader's claim.
    const cluster = new ClusterNode({
      config,
      store,
      lease,
      sharedToken,
      interruptLocal: (run) => interruptRunTurn(codexd, run),
      metrics: nodeMetrics,
      timers,
      logger: this.#logger
    });
    const own = cluster.schedulerSide();
    return { ...opened, control: this.#control, system, lease, metrics, nodeMetrics, cluster, own };
  }

  /** The task engine and what feeds it: GitHub intake, schedules, notifications. */
  #wireServices(node: NodeParts): NodeServices {
    const { config } = this;
    const { store, codexd, lease, metrics, cluster, own, timers } = node;
    const tasks = new TaskEngine({
      config,
      store: metrics.timingClaims(store),
      codexd,
      leadership: own?.leadership ?? lease,
      ...(own === undefined ? {} : { claim: own.claim }),
      onStaleWrite: node.nodeMetrics.staleWrite,
      landQueueCounts: registerLandQueueMetrics(metrics.registry, {
        wallNow: () => timers.wallNow(),
        logger: this.#logger
      }),
      gate: node.system,
      quota: node.system,
      timers,
      logger: this.#logger
    });
    cluster.bind({
      running: () => tasks.scheduler.activeCount,
      abandonLocalRuns: (reason) => tasks.scheduler.abandonAll(reason),
      listenAddress: () => this.#listenBase ?? null
    });
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
            counts: registerGitHubMetrics(metrics.registry, this.#logger),
            timers,
            logger: this.#logger
          })
        : undefined;
    const schedules = new ScheduleLoop({
      store,
      scope: lease.scope,
      leadership: lease,
      onTask: () => tasks.scheduler.wake(),
      pollMs: config.schedulerPollMs,
      timers,
      logger: this.#logger
    });
    const notifications = createNotificationDispatcher({
      config,
      store,
      registry: metrics.registry,
      timers,
      logger: this.#logger,
      ...(this.#options.notifications === undefined ? {} : { overrides: this.#options.notifications })
    });
    return { tasks, github, schedules, notifications };
  }

  /** Listens on `localApiBase` and records the real address (port 0 picks one). */
  async #listen(app: FastifyInstance): Promise<void> {
    this.#app = app;
    this.#connections = trackConnections(app.server);
    const url = new URL(this.config.localApiBase);
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
      const closed = await (this.#connections?.close(() => app.close(), SERVER_CLOSE_GRACE_MS) ??
        app.close());
      if (closed === "forced")
        this.#logger.warn(
          { graceMs: SERVER_CLOSE_GRACE_MS },
          "connections still open after the grace were closed"
        );
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
      controlApi: {
        localApiBase: this.#listenBase ?? config.localApiBase,
        controlApiBase: config.controlApiBase
      },
      codexd: { localApiBase: config.codexdLocalApiBase },
      auth: {
        tokenSource: this.#tokenSource,
        ...(this.#tokenFile === undefined ? {} : { tokenFile: this.#tokenFile }),
        trustedCidrs: config.trustedCidrs
      },
      paths: config.paths,
      loops: { autoStart: this.#options.autoStartLoops ?? true },
      store: {
        kind: this.#control?.store.kind ?? (config.databaseUrl === undefined ? "sqlite" : "postgres"),
        location: describeStore(config),
        schemaVersion: this.#schemaVersion
      }
    };
  }
}
