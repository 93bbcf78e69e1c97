import type { IncomingHttpHeaders } from "node:http";
import type { Logger } from "pino";
import { forwardedBy } from "./forwarded-header.js";
import type { NodeForwarder } from "./node-forwarder.js";
import type { RunOwners } from "./run-owners.js";

/**
 * After a cancel was recorded in the store for a task whose run is on another node: the same
 * cancel sent to that node, so it stops the run at once rather than at its next progress poll
 * (BAA_RUN_PROGRESS_MS). Best effort: the flag in the store is what counts, and a node that
 * does not answer still sees it at that poll.
 */
export function cancelNudger(deps: { forwarder: NodeForwarder; owners: RunOwners; logger: Logger }) {
  return async (taskId: string, reason: string, headers: IncomingHttpHeaders): Promise<void> => {
    if (forwardedBy(headers) !== undefined) return;
    try {
      const placement = await deps.owners.ofRunning(taskId);
      if (placement === undefined || placement.nodeId === deps.forwarder.nodeId) return;
      const response = await deps.forwarder.forward(placement.nodeId, placement.subject, {
        method: "POST",
        url: `/v1/tasks/${encodeURIComponent(taskId)}/cancel`,
        body: { reason }
      });
      deps.logger.info(
        { taskId, nodeId: placement.nodeId, status: response.status },
        "cancel sent on to the run's owner"
      );
    } catch (error) {
      deps.logger.warn(
        { err: error, taskId },
        "could not send the cancel on to the run's owner; it sees the flag at its next progress check"
      );
    }
  };
}
