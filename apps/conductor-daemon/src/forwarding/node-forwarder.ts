import { backgroundTimers, type Timers } from "@baa/clock";
import type { NodeRecord } from "@baa/control-store";
import type { Logger } from "pino";
import { conductorError } from "../errors.js";
import { FORWARDED_BY_HEADER } from "./forwarded-header.js";

/** A request to send to the node that owns what it asks about. */
export interface ForwardRequest {
  method: string;
  /** Path and query string, as the client sent them (`/v1/runs/run-1/events?after=3`). */
  url: string;
  /** A parsed JSON body, sent again as JSON; undefined for none. */
  body?: unknown;
  /** The id of the node that forwarded the request here, when it was; such a request goes no further. */
  forwardedBy?: string | undefined;
}

/** The owner's response, passed through unchanged. */
export interface ForwardedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** Where a node is reached, once it is known to be up. */
export interface NodeTarget {
  node: NodeRecord;
  /** The node's registered address, without a trailing slash. */
  base: string;
  /** What every forwarded request carries: the shared token and the forwarding mark. */
  headers: Record<string, string>;
}

export interface NodeForwarderOptions {
  /** This node's id: the value of the forwarding mark. */
  nodeId: string;
  /** The shared token every node of the cluster holds (BAA_SHARED_TOKEN). */
  token: string;
  /** The store's node rows (their addresses and up/down state). */
  nodes: { listNodes(): Promise<NodeRecord[]> };
  /** Bound on a whole forwarded exchange, connect to last byte. */
  timeoutMs: number;
  logger: Logger;
  fetch?: typeof fetch;
  /** Runs the `timeoutMs` deadline; tests pass `ManualTimers`. Default: Node's, unref'd. */
  timers?: Timers;
}

/** Headers of the owner's response that mean the same to the client of this node. */
const PASSED_HEADERS = ["content-type", "retry-after", "cache-control"];

/**
 * Sends a request to the node that owns a run or holds a task's worktree, over the address
 * that node registered, with the shared token. A node that is down, unknown, has no address or
 * does not answer in time is a 503 `node_unavailable` that names it: a reader is told where the
 * answer is and why it cannot have it, never given a wrong one from here.
 */
export class NodeForwarder {
  readonly #o: NodeForwarderOptions;
  readonly #fetch: typeof fetch;
  readonly #timers: Timers;

  constructor(options: NodeForwarderOptions) {
    this.#o = options;
    this.#fetch = options.fetch ?? fetch;
    this.#timers = options.timers ?? backgroundTimers;
  }

  get nodeId(): string {
    return this.#o.nodeId;
  }

  /** What every forwarded request carries: the shared token and the forwarding mark. */
  headers(): Record<string, string> {
    return { authorization: `Bearer ${this.#o.token}`, [FORWARDED_BY_HEADER]: this.#o.nodeId };
  }

  /**
   * The node's address and the headers to reach it with; throws 503 `node_unavailable` when
   * it is down, unknown or has no address. `subject` starts the message: "run run-1 is owned by".
   */
  async target(nodeId: string, subject: string): Promise<NodeTarget> {
    const node = (await this.#o.nodes.listNodes()).find((candidate) => candidate.nodeId === nodeId);
    if (node === undefined) {
      throw conductorError(
        "node_unavailable",
        `${subject} node ${nodeId}, which has no heartbeat in the store (never registered); its answer cannot be read from here`
      );
    }
    if (node.state === "down") {
      throw conductorError(
        "node_unavailable",
        `${subject} node ${nodeId}, which is down (last seen ${node.lastSeenAt}); its answer cannot be read from here`
      );
    }
    if (node.address === null) {
      throw conductorError(
        "node_unavailable",
        `${subject} node ${nodeId}, which registered no address (BAA_NODE_ADDRESS); its answer cannot be read from here`
      );
    }
    return {
      node,
      base: node.address.replace(/\/+$/, ""),
      headers: this.headers()
    };
  }

  /** Forwards `request` to `nodeId` and returns its response as it came (any status). */
  async forward(nodeId: string, subject: string, request: ForwardRequest): Promise<ForwardedResponse> {
    if (request.forwardedBy !== undefined) {
      throw conductorError(
        "forward_loop",
        `${subject} node ${nodeId}, but this request was forwarded here by node ${request.forwardedBy}; a forwarded request is not forwarded again (the nodes disagree about the owner: try again)`
      );
    }
    const target = await this.target(nodeId, subject);
    const url = `${target.base}${request.url}`;
    const hasBody = request.body !== undefined;
    const deadline = new AbortController();
    const { signal } = deadline;
    const timer = this.#timers.setTimeout(
      () => deadline.abort(new DOMException(`no answer within ${this.#o.timeoutMs} ms`, "TimeoutError")),
      this.#o.timeoutMs
    );
    try {
      const response = await this.#fetch(url, {
        method: request.method,
        headers: {
          ...target.headers,
          accept: "application/json",
          ...(hasBody ? { "content-type": "application/json" } : {})
        },
        ...(hasBody ? { body: JSON.stringify(request.body) } : {}),
        redirect: "manual",
        signal
      });
      const body = Buffer.from(await response.arrayBuffer());
      const headers: Record<string, string> = {};
      for (const name of PASSED_HEADERS) {
        const value = response.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      return { status: response.status, headers, body };
    } catch (error) {
      const timedOut = signal.aborted;
      this.#o.logger.warn(
        { err: error, nodeId, address: target.base, method: request.method, timedOut },
        "forwarded request failed"
      );
      const why = timedOut
        ? `did not answer within ${this.#o.timeoutMs} ms`
        : `could not be reached (${describeFailure(error)})`;
      throw conductorError(
        "node_unavailable",
        `${subject} node ${nodeId} at ${target.base}, which ${why}; its answer cannot be read from here`,
        { cause: error }
      );
    } finally {
      this.#timers.clearTimeout(timer);
    }
  }
}

// fetch's TypeError says only "fetch failed"; the cause says why (ECONNREFUSED, a DNS miss).
function describeFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
