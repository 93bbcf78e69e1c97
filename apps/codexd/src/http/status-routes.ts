import type { FastifyInstance } from "fastify";
import type { CodexdLocalService } from "../service.js";

export function registerStatusRoutes(app: FastifyInstance, service: CodexdLocalService): void {
  app.get("/healthz", async () => ({
    ok: true,
    data: { status: "ok", service: "codexd", nodeId: service.config.nodeId }
  }));
  app.get("/v1/codexd/status", async () => {
    await service.stateSettled();
    return { ok: true, data: service.getStatus() };
  });
  app.post("/v1/codexd/child/restart", async () => {
    const running = await service.restartChild();
    return { ok: true, data: { running, child: service.getStatus().snapshot.daemon.child } };
  });
}
