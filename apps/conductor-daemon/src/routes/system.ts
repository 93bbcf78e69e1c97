import type { NodeRecord, NotificationStats, SystemMode } from "@baa/control-store";
import type { FastifyInstance } from "fastify";
import { zodRoutes } from "@baa/http-server";
import { z } from "zod";
import type { LeaseView, Leadership } from "../leadership/lease-keeper.js";
import { buildSystemReport, type SystemReportStore } from "../system/system-report.js";
import type { SystemModes } from "../system/system-modes.js";
import { summarizeNode } from "./nodes.js";

export interface SystemRouteDeps {
  store: SystemReportStore;
  system: SystemModes;
  leadership: Leadership & { view(): LeaseView; readonly scope: string };
  /** The notification outbox: pending, delivered, failed and the last failure (shown as `notifications`). */
  notifications?: () => Promise<NotificationStats>;
  /** The GitHub intake's status (polling, waits, webhook counts), shown as `github`. */
  github?: () => unknown;
  /** What this node claims under when it is not the leader lease (every node claims, PostgreSQL). */
  claimer?: { current(): { holder: string; term: number } | null };
  /** Every node of the cluster, shown as `nodes`. */
  nodes?: () => Promise<NodeRecord[]>;
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
export function registerSystemRoutes(scope: FastifyInstance, deps: SystemRouteDeps): void {
  const app = zodRoutes(scope);
  const tags = ["system"];
  const report = async (state?: Awaited<ReturnType<SystemModes["refresh"]>>) => ({
    ...(await buildSystemReport({
      store: deps.store,
      state: state ?? (await deps.system.refresh()),
      scope: deps.leadership.scope,
      node: deps.leadership.view(),
      claiming: (deps.claimer ?? deps.leadership).current() !== null && deps.system.mayClaim()
    })),
    ...(deps.nodes === undefined ? {} : { nodes: (await deps.nodes()).map(summarizeNode) }),
    ...(deps.notifications === undefined ? {} : { notifications: await deps.notifications() }),
    ...(deps.github === undefined ? {} : { github: deps.github() })
  });

  app.get(
    "/v1/system/state",
    {
      schema: {
        operationId: "getSystemState",
        summary: "System mode, leader, running work and tasks by state",
        tags
      }
    },
    async () => ({
      ok: true,
      data: await report()
    })
  );

  const setMode = (mode: SystemMode) => async (request: { body: z.output<typeof ModeBody> }) => {
    const body = request.body;
    const state = await deps.system.setMode(mode, body?.reason ?? null);
    return { ok: true, data: await report(state) };
  };
  app.post(
    "/v1/system/pause",
    {
      schema: {
        operationId: "pauseSystem",
        summary: "Stop claiming new work (running work goes on)",
        tags,
        body: ModeBody
      }
    },
    setMode("paused")
  );
  app.post(
    "/v1/system/resume",
    { schema: { operationId: "resumeSystem", summary: "Claim work again", tags, body: ModeBody } },
    setMode("running")
  );
  app.post(
    "/v1/system/drain",
    {
      schema: {
        operationId: "drainSystem",
        summary: "Stop claiming and report once nothing runs",
        tags,
        body: ModeBody
      }
    },
    setMode("draining")
  );
}
