import type { IncomingHttpHeaders } from "node:http";
import { isAppError } from "@baa/api-errors";
import { closeReason, WsCloseCodes } from "@baa/http-server";
import type { Logger } from "pino";
import type WebSocket from "ws";
import { EventsRelay } from "../codexd/events-relay.js";
import { forwardedBy } from "./forwarded-header.js";
import type { NodeForwarder, NodeTarget } from "./node-forwarder.js";
import type { RunOwners } from "./run-owners.js";

/**
 * A task's live event stream, when its latest run is on another node: that node's
 * `WS /v1/tasks/:task_id/events` relayed as it is (its `after` and seqs are the owner's event
 * log's, the one the run records into). The owner down: closed 1013 naming it.
 */
export class RemoteTaskStreams {
  readonly #forwarder: NodeForwarder;
  readonly #owners: RunOwners;
  readonly #relay: EventsRelay;

  constructor(options: {
    forwarder: NodeForwarder;
    owners: RunOwners;
    connectTimeoutMs: number;
    logger: Logger;
    onCutOff?: () => void;
  }) {
    this.#forwarder = options.forwarder;
    this.#owners = options.owners;
    this.#relay = new EventsRelay({
      // The relay hands its "search" to upstreamUrl untouched: here it is the owner's whole URL,
      // so every client gets its own stream.
      share: false,
      upstreamUrl: (url) => url,
      upstreamHeaders: options.forwarder.headers(),
      upstreamName: "the owner node",
      connectTimeoutMs: options.connectTimeoutMs,
      logger: options.logger,
      ...(options.onCutOff === undefined ? {} : { onCutOff: options.onCutOff })
    });
  }

  get size(): number {
    return this.#relay.size;
  }

  /** Takes the client's socket when the stream is another node's (true), else leaves it to this node (false). */
  async attach(
    socket: WebSocket,
    taskId: string,
    request: { url: string; headers: IncomingHttpHeaders }
  ): Promise<boolean> {
    if (forwardedBy(request.headers) !== undefined) return false;
    const placement = await this.#owners.ofTaskStream(taskId);
    if (placement === undefined || placement.nodeId === this.#forwarder.nodeId) return false;
    let target: NodeTarget;
    try {
      target = await this.#forwarder.target(placement.nodeId, placement.subject);
    } catch (error) {
      if (!isAppError(error)) throw error;
      socket.close(WsCloseCodes.tryAgainLater, closeReason(error.message));
      return true;
    }
    const query = request.url.indexOf("?");
    const search = query === -1 ? "" : request.url.slice(query);
    const url = `${target.base.replace(/^http/, "ws")}/v1/tasks/${encodeURIComponent(taskId)}/events${search}`;
    this.#relay.attach(socket, url);
    return true;
  }

  /** Closes every relayed stream (the conductor is stopping). */
  closeAll(): void {
    this.#relay.closeAll();
  }
}
