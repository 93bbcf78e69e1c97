import type { Logger } from "pino";
import type {
  AppServerClient,
  AppServerEvent,
  ChildLike,
  ServerRequestHandler
} from "@baa/app-server-client";
import type { WriteHealth } from "@baa/state-files";
import type { CodexdConfig } from "../config.js";
import type { AppServerClientFactory } from "./app-server-factory.js";
import type { DaemonStateFile } from "../state/daemon-state.js";
import { ChildOutputLog } from "./child-output-log.js";
import type { Spawner } from "./spawner.js";
import { guardAgainstStall } from "./stall-guard.js";
import { batchStdinWrites } from "./stdin-batching.js";

export interface ChildExit {
  code: number | null;
  signal: string | null;
  /** Set when codexd killed the child itself (e.g. it stopped answering). */
  reason?: string;
}

export interface AppServerChildOptions {
  config: CodexdConfig;
  spawner: Spawner;
  factory: AppServerClientFactory;
  env: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  daemonState: DaemonStateFile;
  /** Where a failed write of the child's output logs is reported. */
  health: WriteHealth;
  now: () => number;
  onEvent: (event: AppServerEvent) => void;
  onServerRequest: ServerRequestHandler;
  onExit: (exit: ChildExit) => void;
}

const SPAWN_TIMEOUT_MS = 10_000;
/** How long a child whose stdout closed may take to exit by itself before it is killed. */
const STDOUT_CLOSED_GRACE_MS = 1_000;

/** One incarnation of the `codex app-server` child: spawn, logs, client, initialize, exit. */
export class AppServerChild {
  readonly #o: AppServerChildOptions;
  readonly #output: ChildOutputLog;
  #child: ChildLike | undefined;
  #client: AppServerClient | undefined;
  #unsubscribe: (() => void) | undefined;
  #exited = false;
  #up = false;
  #stopping = false;
  #killReason: string | undefined;
  #lastOutputAt = 0;
  #exitSeen: (exit: ChildExit) => void = () => {};

  constructor(options: AppServerChildOptions) {
    this.#o = options;
    this.#output = new ChildOutputLog(
      options.config.paths.stdoutLogPath,
      options.config.paths.stderrLogPath,
      options.health
    );
  }

  get client(): AppServerClient | undefined {
    return this.#exited ? undefined : this.#client;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  async start(): Promise<void> {
    const { config, daemonState, now } = this.#o;
    const { childCommand, childArgs, childCwd } = config.server;
    const child = this.#o.spawner.spawn(childCommand, childArgs, { cwd: childCwd, env: { ...this.#o.env } });
    this.#child = child;
    this.#output.attach(child);
    const spawned = waitForSpawn(child);
    spawned.catch(() => {});
    // Any exit before the child is up fails start() instead of reaching onExit.
    const exitedEarly = new Promise<never>((_, reject) => {
      this.#exitSeen = (exit) =>
        reject(
          new Error(
            `codex app-server exited while starting (code ${exit.code ?? "none"}, signal ${exit.signal ?? "none"})`
          )
        );
    });
    exitedEarly.catch(() => {});
    child.on("exit", (code, signal) => this.#handleExit({ code: code ?? null, signal: signal ?? null }));
    child.stdout?.on("data", () => {
      this.#lastOutputAt = now();
    });
    // A child that closes its stdout but lives on can answer nothing: unless it exits on its
    // own within a moment (a crash closes stdout first), it is killed and so restarted.
    (child.stdout as unknown as { once?: (event: "close", listener: () => void) => unknown } | null)?.once?.(
      "close",
      () => {
        setTimeout(
          () => this.#killStalled("codex app-server closed its stdout but kept running"),
          STDOUT_CLOSED_GRACE_MS
        ).unref();
      }
    );
    await Promise.race([spawned, exitedEarly]);
    daemonState.updateChild({
      pid: child.pid ?? null,
      startedAt: new Date(now()).toISOString()
    });
    const raw = await Promise.race([
      this.#o.factory.create({
        config,
        // A burst of requests reaches app-server in one write, not one per request.
        child: batchStdinWrites(child),
        env: this.#o.env,
        logger: this.#o.logger,
        onServerRequest: this.#o.onServerRequest
      }),
      exitedEarly
    ]);
    // A child that stops answering with its stdout open is killed, so the supervisor restarts it.
    const client = guardAgainstStall(raw, {
      onStall: (reason) => this.#killStalled(reason),
      now,
      lastOutputAt: () => this.#lastOutputAt
    });
    this.#client = client;
    this.#unsubscribe = client.events.subscribe((event) => this.#o.onEvent(event)).unsubscribe;
    const info = (await Promise.race([client.initialize(), exitedEarly])) as
      | { userAgent?: string }
      | undefined;
    this.#up = true;
    daemonState.updateChild({ userAgent: info?.userAgent ?? null });
  }

  /** Polite close first (the client ends stdin and escalates), then make sure the child is gone. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    try {
      await this.#client?.close();
    } catch (error) {
      this.#o.logger.warn({ err: error }, "app-server client close failed");
    }
    if (!this.#exited) this.#child?.kill("SIGKILL");
    this.#output.close();
  }

  #killStalled(reason: string): void {
    if (this.#exited || this.#stopping) return;
    this.#o.logger.warn({ pid: this.pid, reason }, "killing an unresponsive codex app-server");
    this.#killReason = reason;
    this.#child?.kill("SIGKILL");
  }

  #handleExit(exit: ChildExit): void {
    if (this.#exited) return;
    if (this.#killReason !== undefined) exit = { ...exit, reason: this.#killReason };
    this.#exited = true;
    this.#unsubscribe?.();
    this.#output.close();
    this.#exitSeen(exit);
    if (this.#up && !this.#stopping) this.#o.onExit(exit);
  }
}

function waitForSpawn(child: ChildLike): Promise<void> {
  const emitter = child as unknown as {
    once(event: "spawn" | "error", listener: (error?: Error) => void): unknown;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error("codex app-server did not start in time")),
      SPAWN_TIMEOUT_MS
    );
    timer.unref();
    emitter.once("spawn", () => {
      clearTimeout(timer);
      resolve();
    });
    emitter.once("error", (error?: Error) => {
      clearTimeout(timer);
      reject(new Error(`could not start codex app-server: ${error?.message ?? "unknown error"}`));
    });
  });
}
