import type { CodexdTransport } from "./codexd-transport.js";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { createConductorApp } from "./app.js";
import { normalizeConductorConfig, type ConductorConfig, type ConductorConfigInput } from "./config.js";
import { createSilentLogger } from "./logger.js";
import { ensureSharedToken, sharedTokenPath, type TokenSource } from "./shared-token.js";

export interface ConductorRuntimeOptions {
  /** Start the background loops (scheduler, lease) with the server; none exist in this slice. */
  autoStartLoops?: boolean;
  now?: () => number;
  logger?: Logger;
  transport?: CodexdTransport;
  /** Replaces the loopback/trusted-CIDR check of access control. */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
}

export type RuntimeState = "created" | "starting" | "running" | "stopping" | "stopped";

/** What the runtime reports about itself; never contains the token. */
export interface ConductorSnapshot {
  nodeId: string;
  host: string;
  role: "primary" | "standby";
  state: RuntimeState;
  startedAt: string | null;
  controlApi: { localApiBase: string; controlApiBase: string };
  codexd: { localApiBase: string };
  auth: { tokenSource: TokenSource; tokenFile?: string; trustedCidrs: readonly string[] };
  paths: ConductorConfig["paths"];
  loops: { autoStart: boolean };
}

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
  #listenBase: string | undefined;
  #startedAt: string | null = null;
  #tokenSource: TokenSource;
  #tokenFile: string | undefined;
  #starting: Promise<ConductorSnapshot> | undefined;
  #stopping: Promise<void> | undefined;

  constructor(config: ConductorConfigInput | ConductorConfig = {}, options: ConductorRuntimeOptions = {}) {
    this.config = normalizeConductorConfig(config);
    this.#options = options;
    this.#logger = (options.logger ?? createSilentLogger()).child({ nodeId: this.config.nodeId });
    this.#tokenSource = this.config.sharedToken === undefined ? "generated" : "config";
    this.#tokenFile = this.config.sharedToken === undefined ? sharedTokenPath(this.config.paths.stateDir) : undefined;
  }

  start(): Promise<ConductorSnapshot> {
    if (this.#stopping !== undefined) return Promise.reject(new Error("a stopped ConductorRuntime cannot start again"));
    if (this.#starting !== undefined) return this.#starting;
    this.#starting = this.#start();
    return this.#starting;
  }

  async #start(): Promise<ConductorSnapshot> {
    this.#state = "starting";
    const { config } = this;
    const token = ensureSharedToken({ configured: config.sharedToken, stateDir: config.paths.stateDir });
    this.#tokenSource = token.source;
    this.#tokenFile = token.tokenFile;
    if (token.source === "generated") {
      this.#logger.info(
        { tokenFile: token.tokenFile, created: token.created },
        token.created ? "generated shared token" : "using stored shared token"
      );
      if (token.permissionsFixed) this.#logger.warn({ tokenFile: token.tokenFile }, "shared token file was readable by others; reset to 0600");
    }

    const app = createConductorApp({
      config,
      sharedToken: token.token,
      logger: this.#logger,
      ...(this.#options.transport === undefined ? {} : { transport: this.#options.transport }),
      ...(this.#options.isTrustedAddress === undefined ? {} : { isTrustedAddress: this.#options.isTrustedAddress })
    });
    this.#app = app;
    const url = new URL(config.localApiBase);
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
    this.#startedAt = new Date((this.#options.now ?? Date.now)()).toISOString();
    this.#state = "running";
    this.#logger.info({ localApiBase: this.#listenBase, codexd: config.codexdLocalApiBase }, "conductor listening");
    return this.getSnapshot();
  }

  stop(): Promise<void> {
    if (this.#stopping !== undefined) return this.#stopping;
    this.#stopping = this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    if (this.#starting !== undefined) await this.#starting.catch(() => {});
    this.#state = "stopping";
    if (this.#app !== undefined) await this.#app.close();
    this.#state = "stopped";
    this.#logger.info("conductor stopped");
  }

  getSnapshot(): ConductorSnapshot {
    const { config } = this;
    return {
      nodeId: config.nodeId,
      host: config.host,
      role: config.role,
      state: this.#state,
      startedAt: this.#startedAt,
      controlApi: { localApiBase: this.#listenBase ?? config.localApiBase, controlApiBase: config.controlApiBase },
      codexd: { localApiBase: config.codexdLocalApiBase },
      auth: {
        tokenSource: this.#tokenSource,
        ...(this.#tokenFile === undefined ? {} : { tokenFile: this.#tokenFile }),
        trustedCidrs: config.trustedCidrs
      },
      paths: config.paths,
      loops: { autoStart: this.#options.autoStartLoops ?? true }
    };
  }
}
