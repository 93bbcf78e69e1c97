import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { Logger } from "pino";
import { installErrorHandling, installJsonBodyParser } from "@baa/api-errors";
import type { CodexdLocalService } from "../service.js";
import { registerApprovalRoutes } from "./approval-routes.js";
import { registerEventsRoutes } from "./events-routes.js";
import { registerSessionRoutes } from "./session-routes.js";
import { registerStatusRoutes } from "./status-routes.js";

export interface CodexdAppDeps {
  service: CodexdLocalService;
  logger: Logger;
}

/** Builds codexd's HTTP/WS app without listening; `CodexdLocalService.start` listens. */
export function createCodexdApp(deps: CodexdAppDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: "http" }) as FastifyBaseLogger,
    bodyLimit: deps.service.config.limits.bodyLimitBytes,
    disableRequestLogging: true,
    return503OnClosing: true,
    forceCloseConnections: true
  });
  installErrorHandling(app);
  installJsonBodyParser(app);
  app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.register(async (scoped) => {
    registerStatusRoutes(scoped, deps.service);
    registerSessionRoutes(scoped, deps.service);
    registerApprovalRoutes(scoped, deps.service);
    registerEventsRoutes(scoped, deps.service, {
      maxBufferedBytes: deps.service.config.limits.streamMaxBufferedBytes
    });
  });
  return app;
}
