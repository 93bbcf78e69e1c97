import type { ControlStore } from "@baa/control-store";
import type { ClockTimers } from "@baa/clock";
import type { Logger } from "pino";
import type { CodexdTransport } from "./codexd/codexd-transport.js";
import type { ConductorConfig } from "./config.js";
import type { NotificationDispatcherOptions } from "./notifications/notification-dispatcher.js";
import type { TokenSource } from "./shared-token.js";

export interface ConductorRuntimeOptions {
  /**
   * Start the background loops with the server: the lease keeper, the system-mode refresh and
   * the scheduler. Without them the node serves its API but never leads nor claims.
   */
  autoStartLoops?: boolean;
  /** A store to use instead of opening the configured one; the runtime still migrates and closes it. */
  store?: ControlStore;
  /** Clock and timers of the background loops. */
  timers?: ClockTimers;
  now?: () => number;
  logger?: Logger;
  transport?: CodexdTransport;
  /** Replaces the loopback/trusted-CIDR check of access control. */
  isTrustedAddress?: (remoteAddress: string | undefined) => boolean;
  /** Overrides of the notification dispatcher (tests shorten the backoff). */
  notifications?: Partial<Pick<NotificationDispatcherOptions, "backoff" | "send" | "pollMs">>;
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
  /** Which store and where (PostgreSQL: host, database and schema, never the password). */
  store: { kind: "sqlite" | "postgres"; location: string; schemaVersion: number | null };
}
