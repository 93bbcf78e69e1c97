import type { CodexdTransport } from "./codexd-transport.js";
import fastifyWebsocket from "@fastify/websocket";
import { fastify, LogController, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { installErrorHandling, installJsonBodyParser } from "@baa/api-errors";
import { createAccessPolicy, installAccessControl, type AccessPolicy } from "./auth.js";
import { CodexdClient } from "./codexd-client.js";
import { conductorError } from "./errors.js";
import type { ConductorConfig } from "./config.js";
import { EventsRelay } from "./events-relay.js";
import { createSilentLogger } from "./logger.js";
import { registerCodexProxy } from "./routes/codex-proxy.js";
import { registerCodexSummary } from "./routes/codex-summary.js";
import { registerProbes } from "./routes/probes.js";

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
}

/**
 * Builds the conductor's HTTP app without listening: probes, the codex summary, the codexd
 * proxy and event relay, access control and the shared error shape.
 * @example const app = createConductorApp({ config, sharedToken }); await app.inject({ url: "/healthz" });
 */
export function createConductorApp(deps: ConductorAppDeps): FastifyInstance {
  const { config } = deps;
  const logger = deps.logger ?? createSilentLogger();
  const app = fastify({
    loggerInstance: logger,
    bodyLimit: config.bodyLimitBytes,
    // Two log lines per request on the hot path cost more than they tell; failures are logged
    // by the error handler, refusals by the access control.
    logController: new LogController({ disableRequestLogging: true }),
    // Our own closing check below answers in the shared error shape instead.
    return503OnClosing: false
  }) as unknown as FastifyInstance;

  const codexd = new CodexdClient({
    baseUrl: config.codexdLocalApiBase,
    requestTimeoutMs: config.proxyTimeoutMs,
    connectTimeoutMs: config.codexdConnectTimeoutMs,
    ...(deps.transport === undefined ? {} : { transport: deps.transport })
  });
  const relay = new EventsRelay({
    upstreamUrl: (search) => codexd.eventsUrl(search),
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

  let closing = false;
  installErrorHandling(app);
  installJsonBodyParser(app);
  void app.register(fastifyWebsocket, { options: { maxPayload: 1024 * 1024, perMessageDeflate: false } });
  // Hooks that may refuse a request go after the plugin: its onRequest hook marks upgrade
  // requests so a refused upgrade's socket is destroyed instead of left half-open.
  void app.after(() => {
    app.addHook("onRequest", async () => {
      if (closing) throw conductorError("service_unavailable", "conductor is shutting down", { headers: { connection: "close" } });
    });
    installAccessControl(app, access, config);
  });
  app.addHook("preClose", async () => {
    closing = true;
    relay.closeAll();
  });
  app.addHook("onClose", async () => {
    await codexd.close();
  });
  void app.register(async (scope) => {
    registerProbes(scope, { nodeId: config.nodeId, role: config.role, codexd });
    registerCodexSummary(scope, { codexd });
    registerCodexProxy(scope, { codexd, relay });
  });
  return app;
}
