import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { Logger } from "pino";
import { installErrorHandling } from "@baa/api-errors";
import {
  closeStreamsGoingAway,
  installJsonBodyParser,
  installShutdownGate,
  installOpenApi,
  zodSchemaController
} from "@baa/http-server";
import { installBrowserGuard } from "@baa/http-guard";
import { installHttpMetrics, lazyChildLoggerFactory, registerMetricsRoute } from "@baa/http-observability";
import type { CodexdConfig } from "../config.js";
import { codexdError } from "../errors.js";
import { CodexdMetrics, metricsSourceOf } from "../metrics/codexd-metrics.js";
import type { CodexdApi } from "./codexd-api.js";
import { registerApprovalRoutes } from "./approval-routes.js";
import { registerEventsRoutes } from "./events-routes.js";
import { registerSessionRoutes } from "./session-routes.js";
import { registerStatusRoutes } from "./status-routes.js";

export interface CodexdAppDeps {
  /** The codexd core behind the routes (`CodexdCore`, or a fake in route tests). */
  api: CodexdApi;
  config: CodexdConfig;
  logger: Logger;
  /** The service's metrics (counting since the core started); else the app makes its own and closes it with itself. */
  metrics?: CodexdMetrics;
}

/** Builds codexd's HTTP/WS app over a `CodexdApi` without listening; `CodexdLocalService.start` listens. */
export function createCodexdApp(deps: CodexdAppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "http" }) as FastifyBaseLogger,
    bodyLimit: deps.config.limits.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    // A request's child logger (with its reqId) is built when it first logs, not for every request.
    childLoggerFactory: lazyChildLoggerFactory,
    // Closing is answered below, in the shared error shape.
    return503OnClosing: false,
    forceCloseConnections: true,
    // Every schema is zod: Ajv and fast-json-stringify are not loaded (a faster start).
    schemaController: zodSchemaController
  });
  const ownsMetrics = deps.metrics === undefined;
  const metrics = deps.metrics ?? new CodexdMetrics(metricsSourceOf(deps.api));
  if (ownsMetrics) app.addHook("onClose", async () => metrics.close());
  installErrorHandling(app, {
    bodyLimit: { bytes: deps.config.limits.bodyLimitBytes, setting: "BAA_CODEXD_BODY_LIMIT_BYTES" }
  });
  installJsonBodyParser(app);
  installOpenApi(app, {
    title: "codexd",
    version: deps.config.version,
    description:
      "codexd: one codex app-server child, its sessions, turns, approvals and events, on loopback (docs/api/README.md). " +
      "No credentials: codexd listens on loopback only and trusts what reaches it (no operation declares security)."
  });
  installHttpMetrics(app, { registry: metrics.registry, prefix: "codexd_" });
  app.register(websocket, { options: { maxPayload: 64 * 1024 }, preClose: closeStreamsGoingAway("codexd") });
  // After the websocket plugin's own hook, so a refused upgrade is torn down, not left half-open.
  app.after(() => {
    installShutdownGate(app, { service: "codexd" });
    // No token here: loopback peers are trusted, so what a web page or a same-host proxy can
    // send is refused instead (docs/security.md). Route tests: inject's default Host is localhost:80.
    const listen = new URL(deps.config.service.localApiBase);
    installBrowserGuard(app, {
      listen: { host: listen.hostname, port: listen.port === "" ? 80 : Number(listen.port) },
      allowedHosts: deps.config.service.allowedHosts,
      allowedOrigins: deps.config.service.allowedOrigins,
      fail: (code, message) => codexdError(code, message)
    });
  });
  app.register(async (scoped) => {
    registerStatusRoutes(scoped, deps.api, { nodeId: deps.config.nodeId });
    registerSessionRoutes(scoped, deps.api);
    registerApprovalRoutes(scoped, deps.api);
    registerEventsRoutes(scoped, deps.api, {
      maxBufferedBytes: deps.config.limits.streamMaxBufferedBytes,
      streamPath: deps.config.service.eventStreamPath,
      observer: metrics.streams
    });
    registerMetricsRoute(scoped, metrics.registry);
  });
  return app;
}
