import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { CodexdConfig } from "./config.js";
import { CodexdCore, type CodexdDeps } from "./core/codexd-core.js";
import { createCodexdApp } from "./http/app.js";
import { CodexdMetrics, metricsSourceOf } from "./metrics/codexd-metrics.js";
import { listenOnLocalSocket, type LocalSocket } from "./http/local-socket.js";
import type { CodexdStatus } from "./state/status.js";

export { SESSION_RECENT_EVENTS, type CodexdDeps } from "./core/codexd-core.js";

/** The Unix socket file in the state dir on which codexd serves its API too. */
export const LOCAL_SOCKET_FILE = "codexd.sock";

/**
 * codexd as one service: the core (child, sessions, approvals, events) with the loopback HTTP/WS
 * API in front of it. `start()` starts the core, then listens; `stop()` closes the API first.
 */
export class CodexdLocalService {
  readonly core: CodexdCore;
  readonly config: CodexdConfig;
  readonly logger: Logger;
  readonly events: CodexdCore["events"];
  readonly sessions: CodexdCore["sessions"];
  readonly operations: CodexdCore["operations"];
  readonly approvals: CodexdCore["approvals"];
  readonly sessionEvents: CodexdCore["sessionEvents"];
  #app: FastifyInstance | undefined;
  #socket: LocalSocket | null = null;
  #started = false;
  /** The Prometheus registry `GET /metrics` serves; one per service instance. */
  readonly metrics: CodexdMetrics;

  constructor(config: CodexdConfig, deps: CodexdDeps = {}) {
    this.core = new CodexdCore(config, deps);
    this.config = config;
    this.logger = this.core.logger;
    this.events = this.core.events;
    this.sessions = this.core.sessions;
    this.operations = this.core.operations;
    this.approvals = this.core.approvals;
    this.sessionEvents = this.core.sessionEvents;
    // Counting from construction, so what start() records (child.started…) is counted too.
    this.metrics = new CodexdMetrics(metricsSourceOf(this.core));
  }

  /** Starts the child, reconciles what a previous run left running, then opens the API. */
  async start(): Promise<CodexdStatus> {
    if (this.#started) return this.getStatus();
    // The HTTP stack is built and booted (plugins, routes: CPU-bound, ~30 ms) once the child's
    // launch is under way, so it runs while the child answers `initialize` rather than ahead of
    // it: booted first, it would hold the event loop while the child's spawn is reported. The
    // API listens only once the core has started, so no request reaches a core that is not up.
    let app: FastifyInstance | undefined;
    let booted: Promise<unknown> | undefined;
    const boot = (): Promise<unknown> => {
      if (booted === undefined) {
        booted = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          app = createCodexdApp({
            api: this.core,
            config: this.config,
            logger: this.logger,
            metrics: this.metrics
          });
          return app.ready();
        });
        // Awaited (and so reported) below; this only keeps a boot failure from counting as unhandled meanwhile.
        booted.catch(() => undefined);
      }
      return booted;
    };
    try {
      // Queued behind the child's spawn report (setImmediate), so `initialize` is sent first.
      await this.core.start({ onChildLaunch: () => void boot() });
    } catch (error) {
      if (booted !== undefined) {
        await booted
          .then(() => app?.close())
          .catch((closeError: unknown) =>
            this.logger.warn({ err: closeError }, "closing the unused HTTP app failed")
          );
      }
      throw error;
    }
    const base = new URL(this.config.service.localApiBase);
    let address: string;
    try {
      // Started here if the core never called back (a test double of it, say).
      await boot();
      if (app === undefined) throw new Error("codexd's HTTP app was not built");
      this.#app = app;
      address = await app.listen({
        host: base.hostname.replace(/^\[|\]$/g, ""),
        port: Number(base.port || 80)
      });
    } catch (error) {
      await this.core.abortStart();
      throw error;
    }
    // The same API on `codexd.sock` in the state dir; the conductor prefers it (docs/runtime/codexd.md).
    this.#socket = await listenOnLocalSocket(
      this.#app.server,
      join(this.config.paths.stateRootDir, LOCAL_SOCKET_FILE),
      this.logger
    );
    this.core.markListening(address, this.#socket?.path ?? null);
    this.#started = true;
    return this.getStatus();
  }

  async stop(): Promise<void> {
    if (!this.#started && !this.core.running) return;
    this.#started = false;
    await this.#socket?.close();
    this.#socket = null;
    await this.#app?.close();
    this.#app = undefined;
    await this.core.stop();
  }

  /** Restarts the child by hand (also out of a crash loop); resolves once it is up or failed again. */
  restartChild(): Promise<boolean> {
    return this.core.restartChild();
  }

  /** Resolves once the state files hold everything the API would report now. */
  stateSettled(): Promise<void> {
    return this.core.stateSettled();
  }

  getStatus(): CodexdStatus {
    return this.core.getStatus();
  }
}
