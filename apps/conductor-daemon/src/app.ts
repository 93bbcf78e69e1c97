import type { CodexdTransport } from "./codexd/codexd-transport.js";
import type { NotificationStats } from "@baa/control-store";
import fastifyWebsocket from "@fastify/websocket";
import { fastify, LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { installErrorHandling } from "@baa/api-errors";
import {
  closeStreamsGoingAway,
  installJsonBodyParser,
  installShutdownGate,
  installOpenApi,
  zodSchemaController
} from "@baa/http-server";
import { installHttpMetrics, lazyChildLoggerFactory, registerMetricsRoute } from "@baa/http-observability";
import { createAccessPolicy, installAccessControl, type AccessPolicy } from "./auth.js";
import { CodexdClient } from "./codexd/codexd-client.js";
import type { ControlPlane } from "./control-plane.js";
import type { ConductorConfig } from "./config.js";
import { EventsRelay } from "./codexd/events-relay.js";
import {
  createRunForwarding,
  type RunForwarding,
  type RunForwardingOptions
} from "./forwarding/run-forwarding.js";
import { createSilentLogger } from "./logger.js";
import { ConductorMetrics } from "./metrics/conductor-metrics.js";
import { PROXIED_OPERATIONS, registerCodexProxy } from "./routes/codex-proxy.js";
import { registerCodexSummary } from "./routes/codex-summary.js";
import { DOCUMENTED_ACCESS } from "./routes/openapi-access.js";
import { registerProbes } from "./routes/probes.js";
import { registerSystemRoutes } from "./routes/system.js";
import { registerNodeRoutes, type NodeRouteDeps } from "./routes/nodes.js";
import type { GitHubStatus } from "./github/github-status.js";
import { registerTaskRoutes, type TaskRoutesDeps } from "./tasks/task-routes.js";
import { registerReviewRoutes } from "./review/review-routes.js";
import { registerScheduleRoutes } from "./schedules/schedule-routes.js";
import { registerRunFileRoute } from "./runs/run-file-route.js";
import type { TaskReview } from "./review/task-review.js";
import { installStoreErrorMapping } from "./store/store-error-mapping.js";
import { conductorVersion } from "./version.js";

export interface ConductorAppDeps {
  config: ConductorConfig;
  /** The bearer token untrusted peers must present (configured or generated). */
  sharedToken: string;
  logger?: Logger;
  transport?: CodexdTransport;
  /** Replaces the loopback/trusted-CIDR check; tests use it to play a remote peer. */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
  /** Bound on a relayed event-stream client's unsent bytes. */
  maxRelayBufferedBytes?: number;
  /** A codexd client owned by the caller (the runtime shares one with its loops); else the app makes and closes its own. */
  codexd?: CodexdClient;
  /** Store, lease and system mode; without them the app serves probes, the summary and the proxy only. */
  control?: ControlPlane;
  /** The task engine's event log and claim loop; with `control`, the task and run routes are served. */
  tasks?: Pick<TaskRoutesDeps, "events" | "scheduler" | "checkWorkspace" | "systemMode" | "runFolder"> & {
    review?: TaskReview;
  };
  /** The node's metrics (the runtime's, fed by the lease, scheduler and task log); else the app makes its own. */
  metrics?: ConductorMetrics;
  /** GitHub intake: the webhook route, and its status in `GET /v1/system/state`. */
  github?: { registerRoutes(scope: FastifyInstance): void; status(): GitHubStatus };
  /** The schedule loop (woken by a new or resumed schedule) and the notification outbox's status. */
  schedules?: { wake(): void };
  notifications?: () => Promise<NotificationStats>;
  /** This node in its cluster: what it claims under (every node claims) and its own drain switch. */
  node?: { claimer?: { current(): { holder: string; term: number } | null }; self?: NodeRouteDeps["self"] };
}

function githubStatus(github: { status(): GitHubStatus }): () => GitHubStatus {
  return () => github.status();
}

/**
 * Builds the conductor's HTTP app without listening: probes, the codex summary, the codexd
 * proxy and event relay, access control and the shared error shape.
 * @example const app = createConductorApp({ config, sharedToken }); await app.inject({ url: "/healthz" });
 */
export function createConductorApp(deps: ConductorAppDeps): FastifyInstance {
  const { config } = deps;
  const logger = deps.logger ?? createSilentLogger();
  const app = createFastify(config, logger);
  const ownsCodexd = deps.codexd === undefined;
  const codexd =
    deps.codexd ??
    new CodexdClient({
      baseUrl: config.codexdLocalApiBase,
      requestTimeoutMs: config.proxyTimeoutMs,
      connectTimeoutMs: config.codexdConnectTimeoutMs,
      logger: logger.child({ component: "codexd-client" }),
      ...(deps.transport === undefined ? {} : { transport: deps.transport })
    });
  const ownsMetrics = deps.metrics === undefined;
  const metrics = deps.metrics ?? new ConductorMetrics({ logger });
  const relay = new EventsRelay({
    onCutOff: () => metrics.relayCutOff(),
    upstreamUrl: (search) => codexd.eventsUrl(search),
    upstreamSocket: (search) => codexd.eventsSocket(search),
    connectTimeoutMs: config.codexdConnectTimeoutMs,
    logger: logger.child({ component: "events-relay" }),
    ...(deps.maxRelayBufferedBytes === undefined ? {} : { maxBufferedBytes: deps.maxRelayBufferedBytes })
  });
  const access: AccessPolicy = createAccessPolicy({
    token: deps.sharedToken,
    trustedCidrs: config.trustedCidrs,
    trustLoopback: config.trustLoopback,
    ...(deps.isTrustedAddress === undefined ? {} : { isTrustedAddress: deps.isTrustedAddress })
  });
  const forwarding = createForwarding(deps, logger, metrics);
  metrics.watchRelay(() => relay.size + (forwarding?.streams ?? 0));
  installPlugins(app, config, metrics, access);
  app.addHook("preClose", async () => {
    relay.closeAll();
    forwarding?.closeAll();
  });
  app.addHook("onClose", async () => {
    if (ownsCodexd) await codexd.close();
    if (ownsMetrics) metrics.close();
  });
  void app.register(async (scope) => registerRoutes(scope, deps, { codexd, relay, metrics, forwarding }));
  return app;
}

function createFastify(config: ConductorConfig, logger: Logger): FastifyInstance {
  return fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Two log lines per request on the hot path cost more than they tell; failures are logged
    // by the error handler, refusals by the access control.
    logController: new LogController({ disableRequestLogging: true }),
    // A request's child logger (with its reqId) is built when it first logs, not for every request.
    childLoggerFactory: lazyChildLoggerFactory,
    // The shutdown gate below answers in the shared error shape instead.
    return503OnClosing: false,
    // Every schema is zod: Ajv and fast-json-stringify are not loaded (a faster start).
    schemaController: zodSchemaController
  }) as unknown as FastifyInstance;
}

/**
 * Several nodes on PostgreSQL: a run's events, folder and branch are read through its owner.
 * `create` is createRunForwarding; a test passes its own to see what the forwarding is given.
 */
export function createForwarding(
  deps: ConductorAppDeps,
  logger: Logger,
  metrics: Pick<ConductorMetrics, "relayCutOff">,
  create: (options: RunForwardingOptions) => RunForwarding = createRunForwarding
): RunForwarding | undefined {
  const { config } = deps;
  return deps.control?.store?.kind === "postgres" && deps.tasks !== undefined
    ? create({
        nodeId: config.nodeId,
        token: deps.sharedToken,
        store: deps.control.store,
        // Its own bound: a call to another node is not a call to this node's codexd.
        timeoutMs: config.forwardTimeoutMs,
        connectTimeoutMs: config.codexdConnectTimeoutMs,
        logger,
        onCutOff: () => metrics.relayCutOff()
      })
    : undefined;
}

/** Error shape, body parser, OpenAPI, HTTP metrics, WebSocket, then the gate and access control. */
function installPlugins(
  app: FastifyInstance,
  config: ConductorConfig,
  metrics: ConductorMetrics,
  access: AccessPolicy
): void {
  installErrorHandling(app, {
    bodyLimit: {
      bytes: config.bodyLimitBytes,
      setting: "BAA_CONDUCTOR_BODY_LIMIT_BYTES or --body-limit-bytes"
    }
  });
  installJsonBodyParser(app);
  installOpenApi(app, {
    title: "conductor-daemon",
    version: conductorVersion(),
    description:
      "The conductor: probes, system modes, tasks and runs, and /v1/codex/* forwarded to this node's codexd (docs/api/README.md). Untrusted peers send the shared token as a bearer token.",
    extraOperations: PROXIED_OPERATIONS,
    bearer: DOCUMENTED_ACCESS
  });
  installHttpMetrics(app, { registry: metrics.registry, prefix: "conductor_" });
  void app.register(fastifyWebsocket, {
    options: { maxPayload: 1024 * 1024, perMessageDeflate: false },
    preClose: closeStreamsGoingAway("conductor")
  });
  // Hooks that may refuse a request go after the plugin: its onRequest hook marks upgrade
  // requests so a refused upgrade's socket is destroyed instead of left half-open.
  void app.after(() => {
    installShutdownGate(app, { service: "conductor" });
    installAccessControl(app, access, config);
  });
}

interface AppParts {
  codexd: CodexdClient;
  relay: EventsRelay;
  metrics: ConductorMetrics;
  forwarding: RunForwarding | undefined;
}

function registerRoutes(scope: FastifyInstance, deps: ConductorAppDeps, parts: AppParts): void {
  const { config } = deps;
  const { codexd, relay, metrics, forwarding } = parts;
  // In this scope, so it wraps the root's handler instead of replacing it.
  installStoreErrorMapping(scope);
  const { control } = deps;
  registerProbes(scope, {
    nodeId: config.nodeId,
    codexd,
    ...(control === undefined ? {} : { store: control.store, lease: control.lease })
  });
  if (control !== undefined) registerControlRoutes(scope, deps, control);
  if (control !== undefined && deps.tasks !== undefined) {
    const { review, ...taskDeps } = deps.tasks;
    forwarding?.install(scope);
    registerTaskRoutes(scope, {
      store: control.store,
      maxQueuedTasks: config.maxQueuedTasks,
      streamObserver: metrics.taskStreams,
      ...taskDeps,
      ...(forwarding === undefined ? {} : { remote: forwarding.remote })
    });
    registerRunFileRoute(scope, { store: control.store, runFolder: taskDeps.runFolder ?? (() => null) });
    if (review !== undefined) registerReviewRoutes(scope, review);
  }
  deps.github?.registerRoutes(scope);
  registerCodexSummary(scope, { codexd });
  registerCodexProxy(scope, { codexd, relay });
  registerMetricsRoute(scope, metrics.registry);
}

/** The routes over the store: system modes, nodes and schedules. */
function registerControlRoutes(scope: FastifyInstance, deps: ConductorAppDeps, control: ControlPlane): void {
  const claimer = deps.node?.claimer;
  registerSystemRoutes(scope, {
    store: control.store,
    system: control.system,
    leadership: control.lease,
    nodes: () => control.store.listNodes(),
    ...(claimer === undefined ? {} : { claimer }),
    ...(deps.notifications === undefined ? {} : { notifications: deps.notifications }),
    ...(deps.github === undefined ? {} : { github: githubStatus(deps.github) })
  });
  const self = deps.node?.self;
  registerNodeRoutes(scope, { store: control.store, ...(self === undefined ? {} : { self }) });
  const checkWorkspace = deps.tasks?.checkWorkspace;
  const wake = deps.schedules === undefined ? undefined : () => deps.schedules?.wake();
  registerScheduleRoutes(scope, {
    store: control.store,
    ...(checkWorkspace === undefined ? {} : { checkWorkspace }),
    ...(wake === undefined ? {} : { wake })
  });
}
