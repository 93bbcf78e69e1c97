import type { FastifyInstance, FastifyReply } from "fastify";
import { zodRoutes } from "@baa/http-server";
import { passThrough, type ConductorForwarder } from "./pass-through.js";
import {
  diffQuery,
  listTasksQuery,
  queryString,
  runEventsQuery,
  runParams,
  taskParams
} from "./task-schemas.js";

/**
 * The conductor's task, run and land-queue reads the page needs, forwarded with the node's token: a fixed
 * list of paths, each built from validated ids and query fields only, the answer passed through.
 */
export function registerTaskReadRoutes(scope: FastifyInstance, deps: { forward: ConductorForwarder }): void {
  const app = zodRoutes(scope);
  const tags = ["tasks (forwarded)"];
  // The task may move on at any moment: no read is kept by the browser or a cache.
  const read = async (reply: FastifyReply, path: string) =>
    passThrough(reply.header("cache-control", "no-store"), await deps.forward({ method: "GET", path }));
  const task = (taskId: string, tail = "") => `/v1/tasks/${encodeURIComponent(taskId)}${tail}`;
  const run = (runId: string, tail = "") => `/v1/runs/${encodeURIComponent(runId)}${tail}`;

  const listSchema = {
    operationId: "listTasks",
    summary: "List tasks, newest first, by page (forwarded)",
    tags,
    querystring: listTasksQuery
  };
  app.get("/v1/tasks", { schema: listSchema }, async (request, reply) =>
    read(reply, `/v1/tasks${queryString(request.query)}`)
  );

  app.get(
    "/v1/tasks/:task_id",
    { schema: { operationId: "getTask", summary: "A task (forwarded)", tags, params: taskParams } },
    async (request, reply) => read(reply, task(request.params.task_id))
  );
  app.get(
    "/v1/tasks/:task_id/runs",
    {
      schema: { operationId: "listTaskRuns", summary: "A task's runs (forwarded)", tags, params: taskParams }
    },
    async (request, reply) => read(reply, task(request.params.task_id, "/runs"))
  );
  const diffSchema = {
    operationId: "getTaskDiff",
    summary: "A task's branch against its base: files and patch (forwarded)",
    tags,
    params: taskParams,
    querystring: diffQuery
  };
  app.get("/v1/tasks/:task_id/diff", { schema: diffSchema }, async (request, reply) =>
    read(reply, task(request.params.task_id, `/diff${queryString(request.query)}`))
  );
  const optionsSchema = {
    operationId: "getLandingOptions",
    summary: "Where a task may land: base branch, branches, remotes (forwarded)",
    tags,
    params: taskParams
  };
  app.get("/v1/tasks/:task_id/landing-options", { schema: optionsSchema }, async (request, reply) =>
    read(reply, task(request.params.task_id, "/landing-options"))
  );
  const queuesSchema = {
    operationId: "listQueues",
    summary: "Each land queue: its order and which task is landing (forwarded)",
    tags
  };
  app.get("/v1/queues", { schema: queuesSchema }, async (_request, reply) => read(reply, "/v1/queues"));
  app.get(
    "/v1/runs/:run_id",
    {
      schema: {
        operationId: "getRun",
        summary: "A run with its first events (forwarded)",
        tags,
        params: runParams
      }
    },
    async (request, reply) => read(reply, run(request.params.run_id))
  );
  const eventsSchema = {
    operationId: "getRunEvents",
    summary: "A run's events after a seq, by page (forwarded)",
    tags,
    params: runParams,
    querystring: runEventsQuery
  };
  app.get("/v1/runs/:run_id/events", { schema: eventsSchema }, async (request, reply) =>
    read(reply, run(request.params.run_id, `/events${queryString(request.query)}`))
  );
}
