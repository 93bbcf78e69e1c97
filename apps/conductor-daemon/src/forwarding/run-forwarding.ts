import type { IncomingHttpHeaders } from "node:http";
import type { ControlStore } from "@baa/control-store";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type WebSocket from "ws";
import { cancelNudger } from "./cancel-nudge.js";
import { installRunForwarding } from "./forward-routes.js";
import { NodeForwarder } from "./node-forwarder.js";
import { RemoteTaskStreams } from "./remote-task-stream.js";
import { RunOwners } from "./run-owners.js";

/** What the task routes ask of another node: a task's live stream relayed, a cancel sent on. */
export interface RemoteTaskSide {
  /** True when it took the socket (the task's latest run is another node's). */
  attachStream(
    socket: WebSocket,
    taskId: string,
    request: { url: string; headers: IncomingHttpHeaders }
  ): Promise<boolean>;
  nudgeCancel(taskId: string, reason: string, headers: IncomingHttpHeaders): Promise<void>;
}

export interface RunForwarding {
  /** Installs the forwarding of run and review routes in `scope` (before they are registered). */
  install(scope: FastifyInstance): void;
  remote: RemoteTaskSide;
  /** Closes relayed streams (the conductor is stopping). */
  closeAll(): void;
  /** Relayed streams open now. */
  readonly streams: number;
}

export interface RunForwardingOptions {
  nodeId: string;
  token: string;
  store: Pick<ControlStore, "listNodes" | "getRun" | "listRuns">;
  /** Bound on one forwarded request, connect to last byte (BAA_FORWARD_TIMEOUT_MS). */
  timeoutMs: number;
  /** Bound on opening a relayed task stream to its owner. */
  connectTimeoutMs: number;
  logger: Logger;
  onCutOff?: () => void;
}

/**
 * Any node answers for any run (PostgreSQL): the pieces that send a request, a stream or a
 * cancel to the node that holds its answer, over that node's registered address.
 */
export function createRunForwarding(options: RunForwardingOptions): RunForwarding {
  const logger = options.logger.child({ component: "forwarding" });
  const forwarder = new NodeForwarder({
    nodeId: options.nodeId,
    token: options.token,
    nodes: options.store,
    timeoutMs: options.timeoutMs,
    logger
  });
  const owners = new RunOwners(options.store);
  const streams = new RemoteTaskStreams({
    forwarder,
    owners,
    connectTimeoutMs: options.connectTimeoutMs,
    logger,
    ...(options.onCutOff === undefined ? {} : { onCutOff: options.onCutOff })
  });
  const nudge = cancelNudger({ forwarder, owners, logger });
  return {
    install: (scope) => installRunForwarding(scope, { forwarder, owners }),
    remote: {
      attachStream: (socket, taskId, request) => streams.attach(socket, taskId, request),
      nudgeCancel: nudge
    },
    closeAll: () => streams.closeAll(),
    get streams() {
      return streams.size;
    }
  };
}
