import { zodRoutes } from "@baa/http-server";
import type { FastifyInstance } from "fastify";
import { taskParams } from "../tasks/task-schemas.js";
import { diffQuery, discardBody, landBody, reviseBody } from "./review-schemas.js";
import type { TaskReview } from "./task-review.js";

/** `/v1/tasks/:task_id/{diff,landing-options,revise,land,discard}` (a task's work after its run) and `/v1/queues`. */
export function registerReviewRoutes(scope: FastifyInstance, review: TaskReview): void {
  const app = zodRoutes(scope);
  const tags = ["review"];

  const diffSchema = {
    operationId: "getTaskDiff",
    summary: "A task's branch against its base (from their merge base)",
    tags,
    params: taskParams,
    querystring: diffQuery
  };
  app.get("/v1/tasks/:task_id/diff", { schema: diffSchema }, async (request, reply) => {
    const { path, format } = request.query;
    const diff = await review.diff(request.params.task_id, path === undefined ? {} : { path });
    if (format === "patch") return reply.type("text/x-diff; charset=utf-8").send(diff.patch);
    return { ok: true, data: diff };
  });

  const optionsSchema = {
    operationId: "getLandingOptions",
    summary: "What a land may name: branches and remotes",
    tags,
    params: taskParams
  };
  app.get("/v1/tasks/:task_id/landing-options", { schema: optionsSchema }, async (request) => ({
    ok: true,
    data: await review.landingOptions(request.params.task_id)
  }));

  const reviseSchema = {
    operationId: "reviseTask",
    summary: "Send the work back: the comment and line comments are the next turn on the same thread",
    tags,
    params: taskParams,
    body: reviseBody
  };
  app.post("/v1/tasks/:task_id/revise", { schema: reviseSchema }, async (request) => ({
    ok: true,
    data: { task: await review.revise(request.params.task_id, request.body) }
  }));

  const landSchema = {
    operationId: "landTask",
    summary: "Land the task's branch: merge locally, or push and open a pull request",
    tags,
    params: taskParams,
    body: landBody
  };
  app.post("/v1/tasks/:task_id/land", { schema: landSchema }, async (request, reply) => {
    const { queue, ...land } = request.body;
    if (queue !== true) return { ok: true, data: { task: await review.land(request.params.task_id, land) } };
    const task = await review.enqueue(request.params.task_id, {
      ...(land.method === undefined ? {} : { method: land.method }),
      ...(land.target === undefined ? {} : { target: land.target })
    });
    return reply.code(202).send({ ok: true, data: { task } });
  });

  const queuesSchema = {
    operationId: "listQueues",
    summary: "Every merge queue: its order, the entry landing and the node holding its lock",
    tags
  };
  app.get("/v1/queues", { schema: queuesSchema }, async () => ({
    ok: true,
    data: { queues: await review.queues() }
  }));

  const discardSchema = {
    operationId: "discardTask",
    summary: "End a task in review without landing it (its branch is kept)",
    tags,
    params: taskParams,
    body: discardBody
  };
  app.post("/v1/tasks/:task_id/discard", { schema: discardSchema }, async (request) => ({
    ok: true,
    data: { task: await review.discard(request.params.task_id, request.body?.reason) }
  }));
}
