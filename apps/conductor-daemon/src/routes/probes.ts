import type { FastifyInstance } from "fastify";
import { isAppError } from "@baa/api-errors";
import type { CodexdClient } from "../codexd-client.js";
import { conductorError } from "../errors.js";

export interface ProbeDeps {
  nodeId: string;
  role: "primary" | "standby";
  codexd: CodexdClient;
}

/** `/healthz` (alive), `/readyz` (codexd reachable), `/rolez` (leader or standby). */
export function registerProbes(app: FastifyInstance, deps: ProbeDeps): void {
  app.get("/healthz", async () => ({
    ok: true,
    data: { status: "ok", service: "conductor-daemon", nodeId: deps.nodeId }
  }));

  app.get("/readyz", async () => {
    try {
      await deps.codexd.status();
    } catch (error) {
      const reason = isAppError(error) && error.code === "codexd_bad_gateway" ? error.message : `codexd is not reachable at ${deps.codexd.baseUrl}`;
      throw conductorError("not_ready", reason, { cause: error });
    }
    return { ok: true, data: { ready: true, checks: { codexd: { reachable: true } } } };
  });

  // Until the lease arrives, a primary leads at term 1 and a standby never does.
  app.get("/rolez", async () => ({
    ok: true,
    data: {
      role: deps.role === "primary" ? "leader" : "standby",
      nodeId: deps.nodeId,
      leaseTerm: deps.role === "primary" ? 1 : 0
    }
  }));
}
