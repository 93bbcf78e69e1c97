import { systemClock, systemTimers, type Clock, type Timers } from "@baa/clock";
import { fastify, LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { installErrorHandling } from "@baa/api-errors";
import { installJsonBodyParser, installShutdownGate, installOpenApi } from "@baa/http-server";
import { installHttpMetrics, registerMetricsRoute } from "@baa/http-observability";
import { Registry } from "prom-client";
import { createSilentLogger } from "@baa/logging";
import { installAccess } from "./access.js";
import type { StatusApiConfig } from "./config.js";
import { registerActionRoutes } from "./routes/action-routes.js";
import { DOCUMENTED_ACCESS } from "./routes/openapi-access.js";
import { registerPageRoutes, resolveDiff2html } from "./routes/page-routes.js";
import { registerStatusRoutes } from "./routes/status-routes.js";
import { registerTaskActionRoutes } from "./routes/task-action-routes.js";
import { registerTaskReadRoutes } from "./routes/task-read-routes.js";
import { registerScheduleReadRoutes } from "./routes/schedule-read-routes.js";
import { forwardToConductor, type ForwardedCall } from "./sources/conductor-actions.js";
import { ConductorToken } from "./sources/conductor-token.js";
import { createHttpClient, type HttpClient } from "./sources/http-client.js";
import { StatusCollector } from "./status-collector.js";
import { statusMetrics } from "./status-metrics.js";
import { StatusStream } from "./status-stream.js";
import { statusApiVersion } from "./version.js";

export interface StatusAppDeps {
  config: StatusApiConfig;
  logger?: Logger;
  /** Replaces the undici client used for every call to the conductor and codexd. */
  http?: HttpClient;
  clock?: Clock;
  timers?: Timers;
  /** Replaces the loopback/trusted-CIDR check of the guard; tests use it to play a remote peer. */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
}

const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Builds status-api without listening: health, the status document and its live stream, the
 * page, the actions and task reads the page forwards to the conductor.
 * @example const app = createStatusApp({ config }); await app.inject({ url: "/v1/status" });
 */
export function createStatusApp(deps: StatusAppDeps): FastifyInstance {
  const { config } = deps;
  const logger = deps.logger ?? createSilentLogger();
  const clock = deps.clock ?? systemClock;
  const timers = deps.timers ?? systemTimers;
  const app = createFastify(logger);

  const http =
    deps.http ??
    createHttpClient({ clock, timers, connectTimeoutMs: Math.min(1_000, config.sourceTimeoutMs) });
  const token = new ConductorToken({ configured: config.sharedToken, file: config.conductorTokenFile });
  const collector = createCollector(config, { http, token, clock, logger });
  // One registry per app (tests build several in one process): HTTP requests by route and
  // status, and what each collection found.
  const metrics = new Registry();
  const observe = statusMetrics(metrics);
  const collect = async () => {
    const document = await collector.collect();
    observe(document);
    return document;
  };
  const stream = new StatusStream({
    collect,
    refreshMs: config.refreshMs,
    timers,
    logger: logger.child({ component: "status-stream" })
  });
  const openStreams = new Set<() => void>();
  const forward = (call: ForwardedCall) =>
    forwardToConductor(
      http,
      { baseUrl: config.conductorBase, token, timeoutMs: config.actionTimeoutMs },
      call
    );

  installPlugins(app, deps, { metrics, token, logger });
  app.addHook("preClose", async () => {
    stream.close();
    for (const end of [...openStreams]) end();
  });
  app.addHook("onClose", async () => {
    if (deps.http === undefined) await http.close();
  });
  // In a plugin, so the OpenAPI document (registered above) sees every route.
  void app.register(async (scope) => {
    registerStatusRoutes(scope, { nodeId: config.nodeId, collect, stream, streams: openStreams });
    registerActionRoutes(scope, {
      forward: (path, body) => forward({ method: "POST", path, body }),
      afterAction: () => stream.poke()
    });
    registerTaskReadRoutes(scope, { forward });
    registerScheduleReadRoutes(scope, { forward });
    registerTaskActionRoutes(scope, { forward, afterAction: () => stream.poke() });
    registerPageRoutes(scope, { diff2html: resolveDiff2html() });
    registerMetricsRoute(scope, metrics);
  });
  return app;
}

function createFastify(logger: Logger): FastifyInstance {
  return fastify({
    loggerInstance: logger,
    bodyLimit: BODY_LIMIT_BYTES,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: false
  }) as unknown as FastifyInstance;
}

/** What collects the status document: the conductor's and codexd's answers, and this node's identity. */
function createCollector(
  config: StatusApiConfig,
  parts: { http: HttpClient; token: ConductorToken; clock: Clock; logger: Logger }
): StatusCollector {
  const { http, token, clock, logger } = parts;
  const version = statusApiVersion();
  return new StatusCollector({
    http,
    token,
    conductorBase: config.conductorBase,
    codexdBase: config.codexdBase,
    sourceTimeoutMs: config.sourceTimeoutMs,
    identity: {
      nodeId: config.nodeId,
      host: config.host,
      version,
      pid: process.pid,
      nodeVersion: process.version
    },
    clock,
    logger
  });
}

/** Error shape, body parser, OpenAPI, HTTP metrics, the shutdown gate and the access guard. */
function installPlugins(
  app: FastifyInstance,
  deps: StatusAppDeps,
  parts: { metrics: Registry; token: ConductorToken; logger: Logger }
): void {
  const { config } = deps;
  const { metrics, token, logger } = parts;
  installErrorHandling(app, { bodyLimit: { bytes: BODY_LIMIT_BYTES, setting: null } });
  installJsonBodyParser(app);
  installOpenApi(app, {
    title: "status-api",
    version: statusApiVersion(),
    description:
      "status-api: this node's status document, its live stream and page, and the page's actions forwarded to the conductor (docs/api/README.md).",
    bearer: DOCUMENTED_ACCESS
  });
  installHttpMetrics(app, { registry: metrics, prefix: "status_api_" });
  installShutdownGate(app, { service: "status-api" });
  installAccess(app, {
    config,
    token,
    logger,
    ...(deps.isTrustedAddress === undefined ? {} : { isTrustedAddress: deps.isTrustedAddress })
  });
}
