// The real route table of each service: its app built the way the service builds it (createApp),
// with an onRoute hook recording every route Fastify registers. Nothing listens; requests go
// through `inject`. Used by the OpenAPI and docs-coverage tests.
import { makeTempDir, type TempDir } from "@baa/test-support";
import { createCodexdApp, resolveCodexdConfig, type CodexdApi } from "../../apps/codexd/dist/index.js";
import { createConductorApp, normalizeConductorConfig } from "../../apps/conductor-daemon/dist/index.js";
import { createStatusApp, normalizeStatusApiConfig } from "../../apps/status-api/dist/index.js";
import { createSilentLogger } from "../../packages/logging/dist/index.js";

type FastifyInstance = ReturnType<typeof createCodexdApp>;
interface RouteOptions {
  method: string | string[];
  url: string;
  schema?: unknown;
  websocket?: boolean;
  wsHandler?: unknown;
}

export interface ServiceRoute {
  method: string;
  url: string;
  /** Served over WebSocket (alone, or beside a GET handler). */
  websocket: boolean;
  /** Left out of the OpenAPI document on purpose (the proxy's wildcard). */
  hidden: boolean;
}

export interface ServiceApp {
  service: "codexd" | "conductor" | "status-api";
  app: FastifyInstance;
  routes: ServiceRoute[];
  /** The Host header the app's browser guard accepts. */
  host: string;
}

const HOST = "127.0.0.1:4399";
const BASE = `http://${HOST}`;

/** Builds all three apps; `close()` closes them and removes their temp dir. */
export async function buildServiceApps(): Promise<{ apps: ServiceApp[]; close(): Promise<void> }> {
  const dir: TempDir = makeTempDir("baa-routes-");
  const logger = createSilentLogger();
  const built: ServiceApp[] = [];
  try {
    const codexdConfig = resolveCodexdConfig({
      env: {},
      repoRoot: dir.path("repo"),
      stateDir: dir.path("state"),
      logsDir: dir.path("logs"),
      localApiBase: BASE
    });
    built.push(
      await record("codexd", createCodexdApp({ api: idleCodexdApi(), config: codexdConfig, logger }))
    );
    // With a control plane and a task engine the conductor serves every route it has; these
    // stand-ins are never called, since the table is read without a request to them.
    const conductorConfig = normalizeConductorConfig({
      localApiBase: BASE,
      codexdLocalApiBase: "http://127.0.0.1:9",
      sharedToken: "route-table-token-0123456789abcdef0123"
    });
    const conductorApp = createConductorApp({
      config: conductorConfig,
      sharedToken: "route-table-token-0123456789abcdef0123",
      logger,
      control: {} as never,
      tasks: {
        events: {
          subscribe: () => () => {},
          query: async () => ({ events: [], nextAfter: null, lastSeq: 0 }),
          lastSeq: 0
        } as never,
        review: {} as never
      }
    });
    built.push(await record("conductor", conductorApp));
    const statusConfig = normalizeStatusApiConfig({
      localApiBase: BASE,
      conductorTokenFile: dir.path("no-token")
    });
    built.push(await record("status-api", createStatusApp({ config: statusConfig, logger })));
  } catch (error) {
    await Promise.all(built.map((each) => each.app.close()));
    dir.remove();
    throw error;
  }
  return {
    apps: built,
    close: async () => {
      await Promise.all(built.map((each) => each.app.close()));
      dir.remove();
    }
  };
}

async function record(service: ServiceApp["service"], app: FastifyInstance): Promise<ServiceApp> {
  const routes: ServiceRoute[] = [];
  app.addHook("onRoute", (options: RouteOptions) => {
    const methods = Array.isArray(options.method) ? options.method : [options.method];
    for (const method of methods) {
      if (method === "HEAD") continue;
      routes.push({
        method,
        url: options.url,
        websocket: options.websocket === true || options.wsHandler !== undefined,
        hidden: (options.schema as { hide?: boolean } | undefined)?.hide === true
      });
    }
  });
  await app.ready();
  return { service, app, routes, host: HOST };
}

/** A codexd core with nothing in it: enough to build the app and answer its reads. */
function idleCodexdApi(): CodexdApi {
  return {
    events: {
      subscribe: () => () => {},
      lastSeq: 0,
      query: async () => ({ events: [], nextAfter: null, lastSeq: 0 })
    },
    approvals: {
      list: () => [],
      get: () => undefined,
      answer: async () => {
        throw new Error("no approvals here");
      }
    },
    operations: {} as CodexdApi["operations"],
    listSessions: () => [],
    recentSessionEvents: () => [],
    stateSettled: async () => {},
    getStatus: () =>
      ({
        snapshot: { daemon: { child: { status: "idle", pid: null, restarts: 0 } } },
        health: { unwrittenEvents: { waiting: 0, lost: 0 } }
      }) as never,
    restartChild: async () => false
  } as CodexdApi;
}
