import { CLUSTER_TOKEN, type Cluster, type ClusterNode } from "./conductor-cluster.js";
import { eventually, request } from "./http.js";

/** A POST to a node with the shared token (drain, resume, pause). */
export const postToNode = (node: ClusterNode, path: string, body: unknown = {}) =>
  request("POST", `${node.conductor.base}${path}`, body, { authorization: `Bearer ${CLUSTER_TOKEN}` });

/** Waits until `GET /v1/system/nodes` (through `via`) lists every one of `nodes` as up. */
export async function waitForNodesUp(
  _cluster: Cluster,
  via: ClusterNode,
  nodes: ClusterNode[]
): Promise<void> {
  await eventually(
    async () => {
      const listed = await request("GET", `${via.conductor.base}/v1/system/nodes`);
      const up = new Set(
        (listed.body.data.nodes as { nodeId: string; state: string }[])
          .filter((n) => n.state === "up")
          .map((n) => n.nodeId)
      );
      return nodes.every((n) => up.has(n.nodeId)) ? true : null;
    },
    `nodes ${nodes.map((n) => n.nodeId).join(", ")} up`,
    30_000
  );
}
