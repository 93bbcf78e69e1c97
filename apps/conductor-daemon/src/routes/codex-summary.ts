import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { CodexdClient } from "../codexd/codexd-client.js";
import { conductorError } from "../errors.js";
import { CODEX_ROUTES } from "./codex-proxy.js";

// Lenient on purpose: only what the summary counts is checked, the rest passes through.
const CodexdStatusData = z
  .object({
    snapshot: z
      .object({
        daemon: z.object({ child: z.looseObject({ status: z.string() }) }).loose(),
        sessionRegistry: z
          .object({ sessions: z.array(z.looseObject({ status: z.string().optional() })) })
          .loose(),
        recentEvents: z.object({ events: z.array(z.unknown()) }).loose()
      })
      .loose()
  })
  .loose();

/** `GET /v1/codex`: what the conductor proxies to and what codexd holds, in the seed's keys. */
export function registerCodexSummary(app: FastifyInstance, deps: { codexd: CodexdClient }): void {
  const summary = "What the conductor forwards to and what codexd holds";
  const schema = { operationId: "getCodexSummary", summary, tags: ["codex"] };
  app.get("/v1/codex", { schema }, async () => {
    const parsed = CodexdStatusData.safeParse(await deps.codexd.status());
    if (!parsed.success) {
      throw conductorError("codexd_bad_gateway", "codexd status document has an unexpected shape");
    }
    const { daemon, sessionRegistry, recentEvents } = parsed.data.snapshot;
    return {
      ok: true,
      data: {
        backend: "independent_codexd",
        proxy: { target_base_url: deps.codexd.baseUrl, reachable: true },
        sessions: {
          count: sessionRegistry.sessions.length,
          active_count: sessionRegistry.sessions.filter((session) => session.status === "active").length
        },
        recent_events: { count: recentEvents.events.length },
        child: daemon.child,
        routes: CODEX_ROUTES
      }
    };
  });
}
