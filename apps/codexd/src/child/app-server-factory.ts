import type { Logger } from "pino";
import {
  createStdioAppServerClient,
  type AppServerClient,
  type ChildLike,
  type ServerRequestHandler
} from "@baa/app-server-client";
import type { CodexdConfig } from "../config.js";

/** What a client factory gets: the spawned child and codexd's handler for server→client requests. */
export interface AppServerClientContext {
  config: CodexdConfig;
  child: ChildLike;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  onServerRequest: ServerRequestHandler;
}

export interface AppServerClientFactory {
  create(context: AppServerClientContext): AppServerClient | Promise<AppServerClient>;
}

/** The real factory: JSON-RPC over the child's stdio. */
export const stdioAppServerClientFactory: AppServerClientFactory = {
  create(context) {
    return createStdioAppServerClient({
      child: context.child,
      clientInfo: { name: "baa-codexd", title: "baa-conductor codexd", version: context.config.version },
      requestTimeoutMs: context.config.limits.requestTimeoutMs,
      onServerRequest: context.onServerRequest,
      onProtocolError: (error, line) =>
        context.logger.warn({ err: error, line: line?.slice(0, 200) }, "app-server protocol error")
    });
  }
};
