import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createStatusApp, type StatusAppDeps } from "./app.js";
import { normalizeStatusApiConfig, type StatusApiConfig, type StatusApiConfigInput } from "./config.js";
import { createSilentLogger } from "@baa/logging";
import { trackConnections, type ServerCloser } from "@baa/lifecycle";

/** How long in-flight requests and live streams get at stop before their sockets are closed. */
const SERVER_CLOSE_GRACE_MS = 5_000;

export type StatusApiRuntimeOptions = Omit<StatusAppDeps, "config" | "logger"> & { logger?: Logger };

/**
 * status-api in-process: `start()` listens on `localApiBase` (port 0 picks one) and resolves the
 * real base URL; `stop()` ends live streams and closes the server, and may be called again.
 */
export class StatusApiRuntime {
  readonly config: StatusApiConfig;
  readonly #options: StatusApiRuntimeOptions;
  readonly #logger: Logger;
  #app: FastifyInstance | undefined;
  #connections: ServerCloser | undefined;
  #baseUrl: string | undefined;
  #stopping: Promise<void> | undefined;

  constructor(config: StatusApiConfigInput | StatusApiConfig = {}, options: StatusApiRuntimeOptions = {}) {
    this.config = normalizeStatusApiConfig(config as StatusApiConfigInput);
    this.#options = options;
    this.#logger = options.logger ?? createSilentLogger();
  }

  /** The URL it listens on once started. */
  get baseUrl(): string | undefined {
    return this.#baseUrl;
  }

  async start(): Promise<string> {
    if (this.#app !== undefined) throw new Error("StatusApiRuntime already started");
    const app = createStatusApp({ ...this.#options, config: this.config, logger: this.#logger });
    this.#app = app;
    this.#connections = trackConnections(app.server);
    const url = new URL(this.config.localApiBase);
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    try {
      await app.listen({ host, port: url.port === "" ? 80 : Number(url.port) });
    } catch (error) {
      await app
        .close()
        .catch((closeError: unknown) =>
          this.#logger.warn({ err: closeError }, "closing after a failed listen failed")
        );
      throw error;
    }
    const address = app.server.address() as AddressInfo;
    const listenHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
    this.#baseUrl = `http://${listenHost}:${address.port}`;
    this.#logger.info(
      { localApiBase: this.#baseUrl, conductor: this.config.conductorBase, codexd: this.config.codexdBase },
      "status-api listening"
    );
    return this.#baseUrl;
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
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
      this.#logger.info("status-api stopped");
    })();
    return this.#stopping;
  }
}
