import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import type { ControlStore, RunRecord } from "@baa/control-store";
import { zodRoutes } from "@baa/http-server";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { conductorError } from "../errors.js";

/** The files a run folder may hold, and the type each is served as; nothing else is served. */
export const RUN_FOLDER_FILES: ReadonlyMap<string, string> = new Map([
  ["meta.json", "application/json; charset=utf-8"],
  ["events.jsonl", "application/x-ndjson; charset=utf-8"],
  ["final-message.md", "text/markdown; charset=utf-8"],
  ["usage.json", "application/json; charset=utf-8"],
  ["diff.patch", "text/x-diff; charset=utf-8"],
  ["checks.json", "application/json; charset=utf-8"],
  ["setup.json", "application/json; charset=utf-8"]
]);

const runFileParams = z.object({ run_id: z.string().min(1).max(200), name: z.string().min(1).max(100) });

/**
 * `GET /v1/runs/:run_id/files/:name`: one file of the run's folder (`runsDir/<run_id>/`), from
 * an allow-list. The folder is on the node that ran it; other nodes forward the request there
 * (forwarding/forward-routes.ts), so a 404 `file_not_found` here means the run did not write it.
 */
export function registerRunFileRoute(
  scope: FastifyInstance,
  deps: { store: Pick<ControlStore, "getRun">; runFolder: (run: RunRecord) => string | null }
): void {
  const app = zodRoutes(scope);
  const schema = {
    operationId: "getRunFile",
    summary:
      "A file of the run's folder (meta.json, events.jsonl, final-message.md, usage.json, diff.patch, checks.json, setup.json)",
    tags: ["runs"],
    params: runFileParams
  };
  app.get("/v1/runs/:run_id/files/:name", { schema }, async (request, reply) => {
    const { run_id, name } = request.params;
    const type = RUN_FOLDER_FILES.get(name);
    if (type === undefined)
      throw conductorError(
        "file_not_found",
        `${name} is not a run folder file; one of ${[...RUN_FOLDER_FILES.keys()].join(", ")}`
      );
    const run = await deps.store.getRun(run_id);
    if (run === undefined) throw conductorError("run_not_found", `no run ${run_id}`);
    const folder = deps.runFolder(run);
    if (folder === null)
      throw conductorError(
        "file_not_found",
        `run ${run_id} ran on node ${run.owner}; its folder is not on this node`
      );
    const path = join(folder, name);
    const found = await stat(path).then(
      (info) => info.isFile(),
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT" || error.code === "ENOTDIR") return false;
        throw error;
      }
    );
    if (!found)
      throw conductorError("file_not_found", `run ${run_id} has no ${name} (not written by this run)`);
    return reply.type(type).send(createReadStream(path));
  });
}
