import type { FastifyInstance } from "fastify";
import type { CodexdApi } from "./codexd-api.js";

export function registerStatusRoutes(app: FastifyInstance, api: CodexdApi, options: { nodeId: string }): void {
  app.get("/healthz", async () => ({
    ok: true,
    data: { status: "ok", service: "codexd", nodeId: options.nodeId }
  }));
  app.get("/v1/codexd/status", async () => {
    await api.stateSettled();
    return { ok: true, data: api.getStatus() };
  });
  app.post("/v1/codexd/child/restart", async () => {
    const running = await api.restartChild();
    return { ok: true, data: { running, child: api.getStatus().snapshot.daemon.child } };
  });
}
