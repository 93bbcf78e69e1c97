import { isAbsolute, resolve } from "node:path";
import type { Command } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult, table } from "../output.js";
import type { SessionView } from "./session-types.js";

/** `baa sessions [list|show ID|new|close ID]`: codexd's sessions through the conductor. */
export const sessionsCommand: Command = {
  name: "sessions",
  usage:
    "sessions [list|show ID|new|close ID]  sessions (new: --cwd DIR --model M --approval-policy P --sandbox S)",
  flags: {
    cwd: { type: "string" },
    model: { type: "string" },
    purpose: { type: "string" },
    "approval-policy": { type: "string" },
    sandbox: { type: "string" }
  },
  arity: [0, 2],
  async run({ args, flags, client, out }) {
    const [action = "list", id] = args;
    const needId = () => {
      if (id === undefined) throw new CliError(ExitCode.usage, `sessions ${action} needs a session id`);
      return encodeURIComponent(id);
    };
    if (action === "list") {
      if (id !== undefined) throw new CliError(ExitCode.usage, "sessions list takes no id");
      const { sessions } = await client.get<{ sessions: SessionView[] }>("/v1/codex/sessions");
      printResult(out, { sessions }, () =>
        sessions.length === 0
          ? "no sessions"
          : table(
              ["SESSION", "STATUS", "TURNS", "LAST TURN", "PURPOSE", "CWD"],
              sessions.map((s) => [
                s.sessionId,
                s.status,
                String(s.turnCount),
                s.lastTurnStatus ?? "-",
                s.purpose,
                s.cwd
              ])
            )
      );
      return ExitCode.ok;
    }
    if (action === "show") {
      const data = await client.get<{ session: SessionView; recentEvents: unknown[] }>(
        `/v1/codex/sessions/${needId()}`
      );
      printResult(out, data, () => describeSession(data.session));
      return ExitCode.ok;
    }
    if (action === "new") {
      const body: Record<string, string> = {
        purpose: typeof flags.purpose === "string" ? flags.purpose : "duplex"
      };
      if (typeof flags.cwd === "string") body.cwd = isAbsolute(flags.cwd) ? flags.cwd : resolve(flags.cwd);
      if (typeof flags.model === "string") body.model = flags.model;
      if (typeof flags["approval-policy"] === "string") body.approvalPolicy = flags["approval-policy"];
      if (typeof flags.sandbox === "string") body.sandbox = flags.sandbox;
      const { session } = await client.post<{ session: SessionView }>("/v1/codex/sessions", body);
      printResult(out, { session }, () => session.sessionId);
      return ExitCode.ok;
    }
    if (action === "close") {
      const { session } = await client.post<{ session: SessionView }>(
        `/v1/codex/sessions/${needId()}/close`,
        {}
      );
      printResult(out, { session }, () => `session ${session.sessionId} ${session.status}`);
      return ExitCode.ok;
    }
    throw new CliError(
      ExitCode.usage,
      `unknown sessions action ${JSON.stringify(action)}: list, show, new or close`
    );
  }
};

export function describeSession(s: SessionView): string {
  const lines = [
    `session ${s.sessionId} (${s.status})  purpose ${s.purpose}  cwd ${s.cwd}${s.model ? `  model ${s.model}` : ""}`,
    `turns ${s.turnCount}; last ${s.lastTurnId ?? "-"} ${s.lastTurnStatus ?? ""}${s.lastTurnError ? `: ${s.lastTurnError}` : ""}`.trimEnd()
  ];
  if (s.lastAgentMessage) lines.push(`last message: ${s.lastAgentMessage}`);
  for (const a of s.pendingApprovals)
    lines.push(
      `pending approval ${a.approvalId} (${a.kind}): baa approve ${a.approvalId} | baa decline ${a.approvalId}`
    );
  return lines.join("\n");
}
