import type { Clock } from "@baa/clock";
import type { Logger } from "pino";
import { readCodexd, unreachableCodexd, type CodexdView } from "./sources/codexd-source.js";
import { readConductor, type ConductorView } from "./sources/conductor-source.js";
import type { ConductorToken } from "./sources/conductor-token.js";
import type { HttpClient } from "./sources/http-client.js";
import type { SourceError } from "./sources/source-error.js";

/** This node as status-api sees it. */
export interface NodeIdentity {
  nodeId: string;
  host: string;
  statusApi: { version: string; pid: number; nodeVersion: string; startedAt: string; uptimeMs: number };
}

/** The body of `GET /v1/status`. */
export interface StatusDocument {
  generatedAt: string;
  /** How long reading the sources may take; a source that has not answered by then is unreachable. */
  sourceTimeoutMs: number;
  node: NodeIdentity;
  conductor: ConductorView;
  codexd: CodexdView;
}

export interface StatusCollectorOptions {
  http: HttpClient;
  token: ConductorToken;
  conductorBase: string;
  codexdBase: string;
  sourceTimeoutMs: number;
  identity: { nodeId: string; host: string; version: string; pid: number; nodeVersion: string };
  clock: Clock;
  logger: Logger;
}

/**
 * Reads both sources at once and builds the status document. Never rejects: a source that
 * fails is marked unreachable with its error. Concurrent callers share one collection.
 */
export class StatusCollector {
  readonly #options: StatusCollectorOptions;
  readonly #startedAt: number;
  #inFlight: Promise<StatusDocument> | undefined;
  readonly #reachable = new Map<string, boolean>();

  constructor(options: StatusCollectorOptions) {
    this.#options = options;
    this.#startedAt = options.clock.wallNow();
  }

  collect(): Promise<StatusDocument> {
    if (this.#inFlight !== undefined) return this.#inFlight;
    const inFlight = this.#collect().finally(() => {
      if (this.#inFlight === inFlight) this.#inFlight = undefined;
    });
    this.#inFlight = inFlight;
    return inFlight;
  }

  // Said once per change, not on every refresh: a source going away, and coming back.
  #noteReachability(
    source: "conductor" | "codexd",
    view: { reachable: boolean; error: SourceError | null; baseUrl: string }
  ): void {
    const before = this.#reachable.get(source);
    this.#reachable.set(source, view.reachable);
    if (before === view.reachable || (before === undefined && view.reachable)) return;
    if (view.reachable)
      this.#options.logger.info({ source, baseUrl: view.baseUrl }, "source reachable again");
    else
      this.#options.logger.warn({ source, baseUrl: view.baseUrl, error: view.error }, "source unreachable");
  }

  async #collect(): Promise<StatusDocument> {
    const o = this.#options;
    const [conductor, codexd] = await Promise.all([
      readConductor(o.http, {
        baseUrl: o.conductorBase,
        timeoutMs: o.sourceTimeoutMs,
        token: o.token,
        now: () => o.clock.now()
      }).catch((error: unknown): ConductorView => {
        o.logger.error({ err: error }, "reading the conductor failed");
        const failed = {
          available: false as const,
          error: { code: "bad_response" as const, message: "could not be read" }
        };
        return {
          reachable: false,
          baseUrl: o.conductorBase,
          error: failed.error,
          latencyMs: null,
          role: null,
          system: failed,
          tasks: failed
        };
      }),
      readCodexd(o.http, { baseUrl: o.codexdBase, timeoutMs: o.sourceTimeoutMs }).catch(
        (error: unknown): CodexdView => {
          o.logger.error({ err: error }, "reading codexd failed");
          return unreachableCodexd(
            o.codexdBase,
            { code: "bad_response", message: "could not be read" },
            null
          );
        }
      )
    ]);
    this.#noteReachability("conductor", conductor);
    this.#noteReachability("codexd", codexd);
    const now = o.clock.wallNow();
    return {
      generatedAt: new Date(now).toISOString(),
      sourceTimeoutMs: o.sourceTimeoutMs,
      node: {
        nodeId: o.identity.nodeId,
        host: o.identity.host,
        statusApi: {
          version: o.identity.version,
          pid: o.identity.pid,
          nodeVersion: o.identity.nodeVersion,
          startedAt: new Date(this.#startedAt).toISOString(),
          uptimeMs: now - this.#startedAt
        }
      },
      conductor,
      codexd
    };
  }
}
