import type { SystemMode } from "@baa/control-store";
import type { FastifyInstance } from "fastify";
import { parseInput } from "@baa/api-errors";
import { z } from "zod";
import type { LeaseView, Leadership } from "../leadership/lease-keeper.js";
import { buildSystemReport, type SystemReportStore } from "../system/system-report.js";
import type { SystemModes } from "../system/system-modes.js";

export interface SystemRouteDeps {
  store: SystemReportStore;
  system: SystemModes;
  leadership: Leadership & { view(): LeaseView; readonly scope: string };
}

const ModeBody = z
  .strictObject({
    reason: z.string().trim().min(1).max(500).optional()
  })
  .optional();

/**
 * `GET /v1/system/state` and `POST /v1/system/pause|resume|drain`. The mode lives in the store:
 * every node sees it and it survives restarts. Pause and drain stop new claims; running work
 * goes on (drain then reads `drained: true` once nothing runs).
 */
export function registerSystemRoutes(app: FastifyInstance, deps: SystemRouteDeps): void {
  const report = async (state?: Awaited<ReturnType<SystemModes["refresh"]>>) =>
    buildSystemReport({
      store: deps.store,
      state: state ?? (await deps.system.refresh()),
      scope: deps.leadership.scope,
      node: deps.leadership.view(),
      claiming: deps.leadership.current() !== null && deps.system.mayClaim()
    });

  app.get("/v1/system/state", async () => ({ ok: true, data: await report() }));

  const setMode = (mode: SystemMode) => async (request: { body: unknown }) => {
    const body = parseInput(ModeBody, request.body);
    const state = await deps.system.setMode(mode, body?.reason ?? null);
    return { ok: true, data: await report(state) };
  };
  app.post("/v1/system/pause", setMode("paused"));
  app.post("/v1/system/resume", setMode("running"));
  app.post("/v1/system/drain", setMode("draining"));
}
