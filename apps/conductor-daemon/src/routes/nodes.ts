import type { ControlStore, NodeRecord } from "@baa/control-store";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { zodRoutes } from "@baa/http-server";
import { z } from "zod";
import { conductorError } from "../errors.js";

export interface NodeRouteDeps {
  store: Pick<ControlStore, "listNodes" | "setNodeDraining">;
  /** This node's own keeper: a drain of itself is seen by its claims at once. */
  self?: { nodeId: string; noteDraining(draining: boolean): void };
}

/** What `GET /v1/system/nodes` shows of a node. */
export interface NodeSummary {
  nodeId: string;
  address: string | null;
  labels: string[];
  capacity: number;
  running: number;
  version: string | null;
  executes: boolean;
  lastSeenAt: string;
  state: NodeRecord["state"];
}

export function summarizeNode(node: NodeRecord): NodeSummary {
  return {
    nodeId: node.nodeId,
    address: node.address,
    labels: node.labels,
    capacity: node.capacity,
    running: node.running,
    version: node.version,
    executes: node.executes,
    lastSeenAt: node.lastSeenAt,
    state: node.state
  };
}

const nodeParams = z.object({ node_id: z.string().min(1).max(200) });

/**
 * `GET /v1/system/nodes` and `POST /v1/system/nodes/:node_id/drain|resume`: every node that ever
 * heartbeat, its state by the database's clock, and per-node claiming on and off (its runs finish).
 */
export function registerNodeRoutes(scope: FastifyInstance, deps: NodeRouteDeps): void {
  const app = zodRoutes(scope);
  const tags = ["system"];

  app.get(
    "/v1/system/nodes",
    {
      schema: {
        operationId: "listNodes",
        summary: "Every node: address, labels, capacity, running, state (up, draining, down)",
        tags
      }
    },
    async () => ({
      ok: true,
      data: { nodes: (await deps.store.listNodes()).map(summarizeNode) }
    })
  );

  const setDraining =
    (draining: boolean) =>
    async (request: { params: z.output<typeof nodeParams>; log: FastifyBaseLogger }) => {
      const { node_id } = request.params;
      const node = await deps.store.setNodeDraining(node_id, draining);
      if (node === undefined)
        throw conductorError("node_not_found", `no node ${node_id} has ever sent a heartbeat`);
      if (deps.self?.nodeId === node_id) deps.self.noteDraining(draining);
      request.log.info({ nodeId: node_id, draining }, draining ? "node drained" : "node resumed");
      return { ok: true, data: { node: summarizeNode(node) } };
    };
  app.post(
    "/v1/system/nodes/:node_id/drain",
    {
      schema: {
        operationId: "drainNode",
        summary: "Stop claiming on one node (its runs finish)",
        tags,
        params: nodeParams
      }
    },
    setDraining(true)
  );
  app.post(
    "/v1/system/nodes/:node_id/resume",
    { schema: { operationId: "resumeNode", summary: "Claim again on one node", tags, params: nodeParams } },
    setDraining(false)
  );
}
