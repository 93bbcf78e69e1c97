import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { AppError } from "@baa/api-errors";
import { zodRoutes } from "@baa/http-server";
import { responseFor } from "../approvals/approval.js";
import { codexdError } from "../errors.js";
import type { CodexdApi } from "./codexd-api.js";

const approvalParams = z.object({ approval_id: z.string().min(1).max(200) });
const answerBody = z.object({
  decision: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  answers: z.record(z.string(), z.object({ answers: z.array(z.string()) })).optional(),
  content: z.unknown().optional(),
  permissions: z.record(z.string(), z.unknown()).optional(),
  scope: z.enum(["turn", "session"]).optional()
});
const listQuery = z.object({
  sessionId: z.string().min(1).optional(),
  status: z.enum(["pending", "answered", "timed_out", "expired", "resolved"]).optional()
});

const tags = ["approvals"];

export function registerApprovalRoutes(scope: FastifyInstance, api: CodexdApi): void {
  const app = zodRoutes(scope);
  app.get(
    "/v1/codexd/approvals",
    { schema: { operationId: "listApprovals", summary: "List approvals", tags, querystring: listQuery } },
    async (request) => {
      return { ok: true, data: { approvals: api.approvals.list(request.query) } };
    }
  );

  const answerSchema = {
    operationId: "answerApproval",
    summary: "Answer a pending approval",
    tags,
    params: approvalParams,
    body: answerBody.default({})
  };
  app.post("/v1/codexd/approvals/:approval_id", { schema: answerSchema }, async (request) => {
    const { approval_id } = request.params;
    const body = request.body;
    const approval = api.approvals.get(approval_id);
    if (approval === undefined) throw codexdError("approval_not_found", `no approval ${approval_id}`);
    const mapped = responseFor(approval.kind, body, approval.details);
    // A settled approval is 410 whatever the body says; check that before the body's shape.
    if ("problem" in mapped && approval.status === "pending") {
      throw new AppError(
        "validation_failed",
        400,
        `invalid body for a ${approval.kind} approval: ${mapped.problem}`
      );
    }
    const answered = await api.approvals.answer(approval_id, "response" in mapped ? mapped.response : null);
    return { ok: true, data: { approval: answered } };
  });
}
