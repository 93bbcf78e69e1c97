import type { FastifyInstance } from "fastify";
import type { CodexdApi } from "./codexd-api.js";

export function registerStatusRoutes(
  app: FastifyInstance,
  api: CodexdApi,
  options: { nodeId: string }
): void {
  app.get(
    "/healthz",
    { schema: { operationId: "getHealth", summary: "Liveness probe", tags: ["operations"] } },
    async () => ({
      ok: true,
      data: { status: "ok", service: "codexd", nodeId: options.nodeId }
    })
  );
  app.get(
    "/v1/codexd/status",
    {
      schema: {
        operationId: "getCodexdStatus",
        summary: "Daemon, child, sessions and recent events",
        tags: ["status"]
      }
    },
    async () => {
      await api.stateSettled();
      return { ok: true, data: api.getStatus() };
    }
  );
  app.post(
    "/v1/codexd/child/restart",
    {
      schema: {
        operationId: "restartCodexChild",
        summary: "Restart the codex app-server child by hand",
        tags: ["status"]
      }
    },
    async () => {
      const running = await api.restartChild();
      return { ok: true, data: { running, child: api.getStatus().snapshot.daemon.child } };
    }
  );
}
