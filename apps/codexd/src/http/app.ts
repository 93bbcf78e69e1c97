import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import websocket from "@fastify/websocket";
import type { Logger } from "pino";
import { installErrorHandling, installJsonBodyParser } from "@baa/api-errors";
import { codexdError } from "../errors.js";
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
    logController: new LogController({ disableRequestLogging: true }),
    // Closing is answered below, in the shared error shape.
    return503OnClosing: false,
    forceCloseConnections: true
  });
  installErrorHandling(app);
  installJsonBodyParser(app);
  app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  let closing = false;
  app.addHook("preClose", async () => {
    closing = true;
  });
  // After the websocket plugin's own hook, so a refused upgrade is torn down, not left half-open.
  app.after(() => {
    app.addHook("onRequest", async () => {
      if (closing) throw codexdError("shutting_down", "codexd is shutting down", { headers: { connection: "close", "retry-after": "1" } });
    });
  });
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
