import type { Command } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult } from "../output.js";

interface Summary {
  backend: string;
  proxy: { target_base_url: string };
  codexd: { reachable: boolean; error?: string | null };
  child?: { status: string; restarts?: number } | null;
  sessions: { count: number; active_count: number };
}

/** `baa status`: the conductor's probes, the codexd behind it and the task system, in one view. */
export const statusCommand: Command = {
  name: "status",
  usage: "status                      the node: conductor, codexd, system mode, tasks by state",
  flags: {},
  arity: [0, 0],
  async run({ client, out }) {
    const health = await client.get<{ nodeId: string; service: string }>("/healthz");
    const role = await client.get<{
      role: string;
      nodeId: string;
      leaseTerm?: number;
      term?: number;
      holder?: string | null;
    }>("/rolez");
    const codex = await client
      .get<Summary>("/v1/codex")
      .catch((error: unknown) => ({ error: describe(error) }));
    const system = await client
      .get<SystemState>("/v1/system/state")
      .catch((error: unknown) => ({ error: describe(error) }));
    const data = { baseUrl: client.baseUrl, conductor: { ...health, ...role }, codex, system };
    printResult(out, data, () => {
      const lines = [
        `conductor ${client.baseUrl}  node ${health.nodeId}  role ${role.role}${termOf(role) === undefined ? "" : ` (term ${termOf(role)})`}`
      ];
      if ("error" in codex) lines.push(`codexd    unavailable: ${codex.error}`);
      else {
        lines.push(
          `codexd    ${codex.codexd?.reachable === false ? "unreachable" : "up"} at ${codex.proxy.target_base_url}  child ${codex.child?.status ?? "?"}  sessions ${codex.sessions.active_count} active / ${codex.sessions.count}`
        );
      }
      if ("error" in system) lines.push(`system    ${system.error}`);
      else {
        const counts = Object.entries(system.tasks)
          .filter(([, n]) => n > 0)
          .map(([state, n]) => `${state} ${n}`)
          .join(", ");
        lines.push(
          `system    ${system.mode}${system.drained ? " (drained)" : ""}${system.claiming ? ", claiming" : ""}  running ${system.running.count}`
        );
        lines.push(`tasks     ${counts === "" ? "none" : counts}`);
        if (system.quota)
          lines.push(
            `quota     paused until ${system.quota.pausedUntil}${system.quota.reason ? `: ${system.quota.reason}` : ""}`
          );
      }
      return lines.join("\n");
    });
    return ExitCode.ok;
  }
};

export interface SystemState {
  mode: string;
  reason: string | null;
  drained: boolean;
  claiming: boolean;
  running: { count: number; runs: { runId: string; taskId: string; attempt: number; owner: string }[] };
  quota: { pausedUntil: string; reason: string | null } | null;
  leader: { holder: string | null; term: number } | null;
  tasks: Record<string, number>;
}

function termOf(role: { leaseTerm?: number; term?: number }): number | undefined {
  return role.term ?? role.leaseTerm;
}

function describe(error: unknown): string {
  return error instanceof CliError ? error.message : String(error);
}
