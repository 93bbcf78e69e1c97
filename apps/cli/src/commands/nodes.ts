import type { Command } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult, table } from "../output.js";

export interface NodeView {
  nodeId: string;
  address: string | null;
  labels: string[];
  capacity: number;
  running: number;
  version: string | null;
  executes?: boolean;
  lastSeenAt: string;
  state: "up" | "draining" | "down";
}

function describeNodes(nodes: NodeView[]): string {
  if (nodes.length === 0)
    return "no node has registered (is the conductor on PostgreSQL or SQLite, and running?)";
  const rows = nodes.map((node) => [
    node.nodeId,
    node.state,
    node.executes === false ? "api only" : `${node.running}/${node.capacity}`,
    node.labels.join(",") || "-",
    node.address ?? "-",
    node.version ?? "-",
    node.lastSeenAt
  ]);
  return table(["NODE", "STATE", "RUNNING", "LABELS", "ADDRESS", "VERSION", "LAST SEEN"], rows);
}

/** `baa nodes [drain|resume <node_id>]`: the cluster's nodes, and claiming off or on for one of them. */
export const nodesCommand: Command = {
  name: "nodes",
  usage:
    "nodes [drain|resume NODE_ID]            the nodes (state, running/capacity, labels); stop or restart claiming on one",
  flags: {},
  arity: [0, 2],
  async run({ client, args, out }) {
    const [action, nodeId] = args;
    if (action === undefined) {
      const data = await client.get<{ nodes: NodeView[] }>("/v1/system/nodes");
      printResult(out, data, () => describeNodes(data.nodes));
      return ExitCode.ok;
    }
    if (action !== "drain" && action !== "resume")
      throw new CliError(ExitCode.usage, `unknown nodes action ${JSON.stringify(action)}: drain or resume`);
    if (nodeId === undefined) throw new CliError(ExitCode.usage, `baa nodes ${action} needs a node id`);
    const data = await client.post<{ node: NodeView }>(
      `/v1/system/nodes/${encodeURIComponent(nodeId)}/${action}`,
      {}
    );
    printResult(
      out,
      data,
      () =>
        `${data.node.nodeId}: ${action === "drain" ? "claims nothing new; its runs finish" : "claims again"} (${data.node.state})`
    );
    return ExitCode.ok;
  }
};
