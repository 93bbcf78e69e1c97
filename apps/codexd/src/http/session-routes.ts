import type { FastifyInstance } from "fastify";
import { zodRoutes } from "@baa/http-server";
import type { CodexdApi } from "./codexd-api.js";
import {
  createSessionBody,
  interruptTurnBody,
  sessionParams,
  startTurnBody,
  steerTurnBody
} from "./schemas.js";

const tags = ["sessions"];

type ZodApp = ReturnType<typeof zodRoutes>;

/** The session routes and the turn routes, in the order of the OpenAPI document. */
export function registerSessionRoutes(scope: FastifyInstance, api: CodexdApi): void {
  const app = zodRoutes(scope);
  registerSessionReadsAndCreate(app, api);
  registerTurnStart(app, api);
  registerSessionClose(app, api);
  registerTurnControl(app, api);
}

function registerSessionReadsAndCreate(app: ZodApp, api: CodexdApi): void {
  const ops = api.operations;
  // Reads wait for in-flight state writes, so the files agree with every answer given.
  app.get(
    "/v1/codexd/sessions",
    { schema: { operationId: "listSessions", summary: "List sessions", tags } },
    async () => {
      await api.stateSettled();
      return { ok: true, data: { sessions: api.listSessions() } };
    }
  );

  const summary = "Create a session (a new codex thread, or an existing one given threadId)";
  app.post(
    "/v1/codexd/sessions",
    { schema: { operationId: "createSession", summary, tags, body: createSessionBody.default({}) } },
    async (request, reply) => {
      const session = await ops.createSession(request.body);
      return reply.status(201).send({ ok: true, data: { session } });
    }
  );

  app.get(
    "/v1/codexd/sessions/:session_id",
    {
      schema: {
        operationId: "getSession",
        summary: "A session with its newest events",
        tags,
        params: sessionParams
      }
    },
    async (request) => {
      const { session_id } = request.params;
      await api.stateSettled();
      const session = ops.getSession(session_id);
      return {
        ok: true,
        data: { session, recentEvents: api.recentSessionEvents(session_id) }
      };
    }
  );
}

function registerTurnStart(app: ZodApp, api: CodexdApi): void {
  const ops = api.operations;
  app.post(
    "/v1/codexd/turn",
    { schema: { operationId: "startTurn", summary: "Start a turn", tags, body: startTurnBody } },
    async (request, reply) => {
      const body = request.body;
      const { turnId } = await ops.startTurn(body.sessionId, body.input);
      return reply
        .status(202)
        .send({ ok: true, data: { accepted: true, turnId, sessionId: body.sessionId } });
    }
  );
}

function registerSessionClose(app: ZodApp, api: CodexdApi): void {
  const ops = api.operations;
  app.post(
    "/v1/codexd/sessions/:session_id/close",
    { schema: { operationId: "closeSession", summary: "Close a session", tags, params: sessionParams } },
    async (request) => ({ ok: true, data: { session: await ops.closeSession(request.params.session_id) } })
  );
}

/** Steering and interrupting the running turn. */
function registerTurnControl(app: ZodApp, api: CodexdApi): void {
  const ops = api.operations;
  app.post(
    "/v1/codexd/turn/steer",
    {
      schema: {
        operationId: "steerTurn",
        summary: "Add input to the running turn",
        tags,
        body: steerTurnBody
      }
    },
    async (request, reply) => {
      const body = request.body;
      const { turnId } = await ops.steerTurn(body.sessionId, body.input);
      return reply
        .status(202)
        .send({ ok: true, data: { accepted: true, turnId, sessionId: body.sessionId } });
    }
  );

  app.post(
    "/v1/codexd/turn/interrupt",
    {
      schema: {
        operationId: "interruptTurn",
        summary: "Interrupt the running turn",
        tags,
        body: interruptTurnBody
      }
    },
    async (request, reply) => {
      const body = request.body;
      const { turnId } = await ops.interruptTurn(body.sessionId, body.turnId);
      return reply
        .status(202)
        .send({ ok: true, data: { accepted: true, turnId, sessionId: body.sessionId } });
    }
  );
}
