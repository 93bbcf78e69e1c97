import type { FastifyInstance } from "fastify";
import { parseInput } from "@baa/api-errors";
import type { CodexdApi } from "./codexd-api.js";
import { createSessionBody, interruptTurnBody, sessionParams, startTurnBody, steerTurnBody } from "./schemas.js";

export function registerSessionRoutes(app: FastifyInstance, api: CodexdApi): void {
  const ops = api.operations;

  // Reads wait for in-flight state writes, so the files agree with every answer given.
  app.get("/v1/codexd/sessions", async () => {
    await api.stateSettled();
    return { ok: true, data: { sessions: api.listSessions() } };
  });

  app.post("/v1/codexd/sessions", async (request, reply) => {
    const body = parseInput(createSessionBody, request.body ?? {}, "body");
    const session = await ops.createSession(body);
    return reply.status(201).send({ ok: true, data: { session } });
  });

  app.get("/v1/codexd/sessions/:session_id", async (request) => {
    const { session_id } = parseInput(sessionParams, request.params, "path");
    await api.stateSettled();
    const session = ops.getSession(session_id);
    return {
      ok: true,
      data: { session, recentEvents: api.recentSessionEvents(session_id) }
    };
  });

  app.post("/v1/codexd/turn", async (request, reply) => {
    const body = parseInput(startTurnBody, request.body, "body");
    const { turnId } = await ops.startTurn(body.sessionId, body.input);
    return reply.status(202).send({ ok: true, data: { accepted: true, turnId, sessionId: body.sessionId } });
  });

  app.post("/v1/codexd/sessions/:session_id/close", async (request) => {
    const { session_id } = parseInput(sessionParams, request.params, "path");
    return { ok: true, data: { session: await ops.closeSession(session_id) } };
  });

  app.post("/v1/codexd/turn/steer", async (request, reply) => {
    const body = parseInput(steerTurnBody, request.body, "body");
    const { turnId } = await ops.steerTurn(body.sessionId, body.input);
    return reply.status(202).send({ ok: true, data: { accepted: true, turnId, sessionId: body.sessionId } });
  });

  app.post("/v1/codexd/turn/interrupt", async (request, reply) => {
    const body = parseInput(interruptTurnBody, request.body, "body");
    const { turnId } = await ops.interruptTurn(body.sessionId, body.turnId);
    return reply.status(202).send({ ok: true, data: { accepted: true, turnId, sessionId: body.sessionId } });
  });
}
