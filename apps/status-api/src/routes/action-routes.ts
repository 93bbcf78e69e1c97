import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { zodRoutes } from "@baa/http-server";
import type { ForwardedReply } from "../sources/conductor-actions.js";
import { passThrough } from "./pass-through.js";

/** Sends an action to the conductor; what the action routes need from the app. */
export type ActionForwarder = (path: string, body: unknown) => Promise<ForwardedReply>;

const approvalParams = z.object({
  approval_id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[A-Za-z0-9._:-]+$/, "letters, digits and . _ : - only")
});
const approvalBody = z.strictObject({
  decision: z.union([z.string().min(1).max(100), z.record(z.string(), z.unknown())]).optional(),
  answers: z.record(z.string(), z.object({ answers: z.array(z.string()) })).optional(),
  content: z.unknown().optional()
});
const systemBody = z.strictObject({ reason: z.string().max(500).optional() });

/**
 * What the page may do, each forwarded to the conductor with the node's token: answer an
 * approval, pause, resume or drain. The page never talks to another origin.
 */
export function registerActionRoutes(
  scope: FastifyInstance,
  deps: { forward: ActionForwarder; afterAction: () => void }
): void {
  const app = zodRoutes(scope);
  const tags = ["actions"];
  const modeSchema = (operationId: string, summary: string) => ({
    operationId,
    summary,
    tags,
    body: systemBody.default({})
  });
  const send: typeof passThrough = (reply, forwarded) => {
    deps.afterAction();
    return passThrough(reply, forwarded);
  };

  const approvalSchema = {
    operationId: "answerApproval",
    summary: "Answer an approval (forwarded to the conductor)",
    tags,
    params: approvalParams,
    body: approvalBody.default({})
  };
  app.post("/v1/approvals/:approval_id", { schema: approvalSchema }, async (request, reply) => {
    const { approval_id } = request.params;
    return send(
      reply,
      await deps.forward(`/v1/codex/approvals/${encodeURIComponent(approval_id)}`, request.body)
    );
  });
  app.post(
    "/v1/system/pause",
    { schema: modeSchema("pauseSystem", "Pause the conductor (forwarded)") },
    async (request, reply) => send(reply, await deps.forward("/v1/system/pause", request.body))
  );
  app.post(
    "/v1/system/resume",
    { schema: modeSchema("resumeSystem", "Resume the conductor (forwarded)") },
    async (request, reply) => send(reply, await deps.forward("/v1/system/resume", request.body))
  );
  app.post(
    "/v1/system/drain",
    { schema: modeSchema("drainSystem", "Drain the conductor (forwarded)") },
    async (request, reply) => send(reply, await deps.forward("/v1/system/drain", request.body))
  );
}
