import type { FastifyInstance } from "fastify";
import { zodRoutes } from "@baa/http-server";
import { z } from "zod";
import { passThrough, type ConductorForwarder } from "./pass-through.js";
import { createTaskBody, landBody, reasonBody, reviseBody, taskParams } from "./task-schemas.js";

/**
 * What the page may do to tasks, forwarded with the node's token: create, cancel, retry,
 * revise (a comment and/or line comments), land (now, or in the queue), discard. Bodies are checked here against strict shapes (unknown keys refused)
 * and sent on as parsed, so nothing the page did not mean to send reaches the conductor.
 */
export function registerTaskActionRoutes(
  scope: FastifyInstance,
  deps: { forward: ConductorForwarder; afterAction: () => void }
): void {
  const app = zodRoutes(scope);
  const tags = ["tasks (forwarded)"];
  const post = async (path: string, body: unknown) => {
    const forwarded = await deps.forward({ method: "POST", path, body });
    deps.afterAction();
    return forwarded;
  };
  const task = (taskId: string, action: string) => `/v1/tasks/${encodeURIComponent(taskId)}/${action}`;

  app.post(
    "/v1/tasks",
    {
      schema: { operationId: "createTask", summary: "Create a task (forwarded)", tags, body: createTaskBody }
    },
    async (request, reply) => passThrough(reply, await post("/v1/tasks", request.body))
  );
  const cancelSchema = {
    operationId: "cancelTask",
    summary: "Cancel a task (forwarded)",
    tags,
    params: taskParams,
    body: reasonBody.default({})
  };
  app.post("/v1/tasks/:task_id/cancel", { schema: cancelSchema }, async (request, reply) =>
    passThrough(reply, await post(task(request.params.task_id, "cancel"), request.body))
  );
  const retrySchema = {
    operationId: "retryTask",
    summary: "Queue an ended task again (forwarded)",
    tags,
    params: taskParams,
    body: z.strictObject({}).default({})
  };
  app.post("/v1/tasks/:task_id/retry", { schema: retrySchema }, async (request, reply) =>
    passThrough(reply, await post(task(request.params.task_id, "retry"), {}))
  );
  const reviseSchema = {
    operationId: "reviseTask",
    summary: "Send a task back with a comment, on the same thread (forwarded)",
    tags,
    params: taskParams,
    body: reviseBody
  };
  app.post("/v1/tasks/:task_id/revise", { schema: reviseSchema }, async (request, reply) =>
    passThrough(reply, await post(task(request.params.task_id, "revise"), request.body))
  );
  const landSchema = {
    operationId: "landTask",
    summary: "Land a task's branch: merge locally, or push and open a pull request (forwarded)",
    tags,
    params: taskParams,
    body: landBody.default({})
  };
  app.post("/v1/tasks/:task_id/land", { schema: landSchema }, async (request, reply) =>
    passThrough(reply, await post(task(request.params.task_id, "land"), request.body))
  );
  const discardSchema = {
    operationId: "discardTask",
    summary: "Discard a task's work; its branch is kept (forwarded)",
    tags,
    params: taskParams,
    body: reasonBody.default({})
  };
  app.post("/v1/tasks/:task_id/discard", { schema: discardSchema }, async (request, reply) =>
    passThrough(reply, await post(task(request.params.task_id, "discard"), request.body))
  );
}
