import type { FastifyInstance } from "fastify";
import { forwardedBy } from "./forwarded-header.js";
import type { NodeForwarder } from "./node-forwarder.js";
import type { Placement, RunOwners } from "./run-owners.js";

type Params = Record<string, string | undefined>;
type Locate = (owners: RunOwners, params: Params, body: unknown) => Promise<Placement | undefined>;

const runOwner: Locate = (owners, params) => owners.ofRun(params.run_id ?? "");
const worktreeHolder: Locate = (owners, params) => owners.ofWorktree(params.task_id ?? "");

// Line comments quote the hunk they are on, read from the task's branch: only the node that
// holds it can. A plain comment is a store write any node makes.
const hasLineComments = (body: unknown): boolean => {
  const comments = (body as { comments?: unknown } | undefined)?.comments;
  return Array.isArray(comments) && comments.length > 0;
};

/**
 * The routes answered by the node that holds what they read, keyed `METHOD pattern`: a run's
 * event log and folder are its owner's; a task's branch, diff and landing are on the node that
 * made its worktree. Everything else is answered from the store by whichever node is asked.
 */
export const FORWARDED_ROUTES: ReadonlyMap<string, Locate> = new Map<string, Locate>([
  ["GET /v1/runs/:run_id", runOwner],
  ["GET /v1/runs/:run_id/events", runOwner],
  ["GET /v1/runs/:run_id/files/:name", runOwner],
  ["GET /v1/tasks/:task_id/diff", worktreeHolder],
  ["GET /v1/tasks/:task_id/landing-options", worktreeHolder],
  ["POST /v1/tasks/:task_id/land", worktreeHolder],
  ["POST /v1/tasks/:task_id/discard", worktreeHolder],
  [
    "POST /v1/tasks/:task_id/revise",
    (owners, params, body) =>
      hasLineComments(body) ? worktreeHolder(owners, params, body) : Promise.resolve(undefined)
  ]
]);

/**
 * Forwards the routes of FORWARDED_ROUTES to the node that holds their answer when that is
 * not this one, and passes its status and body back unchanged. Install in the scope of those
 * routes before they are registered; PostgreSQL only (on SQLite every run is this node's).
 */
export function installRunForwarding(
  scope: FastifyInstance,
  deps: { forwarder: NodeForwarder; owners: RunOwners }
): void {
  scope.addHook("preHandler", async (request, reply) => {
    const locate = FORWARDED_ROUTES.get(`${request.method} ${request.routeOptions.url ?? ""}`);
    if (locate === undefined) return;
    const placement = await locate(deps.owners, request.params as Params, request.body);
    // Unknown run or task: the route's own 404; this node's: answered here.
    if (placement === undefined || placement.nodeId === deps.forwarder.nodeId) return;
    const response = await deps.forwarder.forward(placement.nodeId, placement.subject, {
      method: request.method,
      url: request.url,
      body: request.body ?? undefined,
      forwardedBy: forwardedBy(request.headers)
    });
    request.log.debug(
      { nodeId: placement.nodeId, status: response.status },
      "request forwarded to the owner"
    );
    return reply.code(response.status).headers(response.headers).send(response.body);
  });
}
