import type { ControlStore } from "@baa/control-store";
import type { FastifyInstance } from "fastify";
import { isAppError } from "@baa/api-errors";
import type { CodexdClient } from "../codexd/codexd-client.js";
import { conductorError } from "../errors.js";
import type { LeaseView } from "../leadership/lease-keeper.js";

/** What `/rolez` needs to know about the lease; absent in an app built without a store. */
export interface LeaseReader {
  view(): LeaseView;
  /** The lease row as last read from the store. */
  lastSeen(): { holder: string | null; term: number; expiresAt: string | null } | null;
}

export interface ProbeDeps {
  nodeId: string;
  codexd: CodexdClient;
  /** The store `/readyz` checks; without one only codexd is checked. */
  store?: Pick<ControlStore, "now" | "kind">;
  lease?: LeaseReader;
}

/** `/healthz` (alive), `/readyz` (store answers, codexd reachable), `/rolez` (leader or standby, lease). */
export function registerProbes(app: FastifyInstance, deps: ProbeDeps): void {
  const tags = ["operations"];
  const probe = (operationId: string, summary: string) => ({ schema: { operationId, summary, tags } });
  app.get("/healthz", probe("getHealth", "Liveness probe"), async () => ({
    ok: true,
    data: { status: "ok", service: "conductor-daemon", nodeId: deps.nodeId }
  }));

  app.get("/readyz", probe("getReadiness", "Readiness: the store answers, codexd is reachable"), async () => {
    const [store, codexd] = await Promise.allSettled([deps.store?.now(), deps.codexd.status()]);
    const problems: string[] = [];
    if (store.status === "rejected") problems.push(`the ${deps.store?.kind ?? ""} store is not reachable`);
    if (codexd.status === "rejected") {
      const error: unknown = codexd.reason;
      problems.push(
        isAppError(error) && error.code === "codexd_bad_gateway"
          ? error.message
          : `codexd is not reachable at ${deps.codexd.baseUrl}`
      );
    }
    if (problems.length > 0) {
      throw conductorError("not_ready", problems.join("; "), {
        cause:
          store.status === "rejected"
            ? store.reason
            : codexd.status === "rejected"
              ? codexd.reason
              : undefined
      });
    }
    return {
      ok: true,
      data: {
        ready: true,
        checks: {
          codexd: { reachable: true },
          ...(deps.store === undefined ? {} : { store: { kind: deps.store.kind, reachable: true } })
        }
      }
    };
  });

  app.get("/rolez", probe("getRole", "This node's role (leader or standby) and its lease"), async () => {
    const view = deps.lease?.view();
    const seen = deps.lease?.lastSeen() ?? null;
    const leading = view?.role === "leader";
    return {
      ok: true,
      data: {
        role: leading ? "leader" : "standby",
        nodeId: deps.nodeId,
        // Kept from the first release under this name; equals `term`.
        leaseTerm: view?.term ?? 0,
        term: view?.term ?? 0,
        holder: leading ? deps.nodeId : (seen?.holder ?? null),
        expiresAt: seen?.expiresAt ?? null,
        validUntil: view?.validUntil ?? null
      }
    };
  });
}
