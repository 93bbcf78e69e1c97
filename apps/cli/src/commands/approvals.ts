import type { Command } from "../command.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { printResult, table } from "../output.js";

interface ApprovalView {
  approvalId: string;
  kind: string;
  status: string;
  sessionId: string;
  turnId: string | null;
  details: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
}

const STATUSES = ["pending", "answered", "timed_out", "expired", "resolved"];

/** `baa approvals [--session ID] [--status S|--all]`: approvals waiting for an answer. */
export const approvalsCommand: Command = {
  name: "approvals",
  usage: "approvals                   pending approvals (--session ID, --status S, --all)",
  flags: { session: { type: "string" }, status: { type: "string" }, all: { type: "boolean" } },
  arity: [0, 0],
  async run({ flags, client, out }) {
    const status =
      flags.all === true ? undefined : typeof flags.status === "string" ? flags.status : "pending";
    if (status !== undefined && !STATUSES.includes(status))
      throw new CliError(ExitCode.usage, `--status must be one of ${STATUSES.join(", ")}`);
    const { approvals } = await client.get<{ approvals: ApprovalView[] }>("/v1/codex/approvals", {
      status,
      sessionId: typeof flags.session === "string" ? flags.session : undefined
    });
    printResult(out, { approvals }, () =>
      approvals.length === 0
        ? `no ${status ?? ""} approvals`.replace("  ", " ")
        : table(
            ["APPROVAL", "KIND", "STATUS", "SESSION", "TURN", "WHAT"],
            approvals.map((a) => [
              a.approvalId,
              a.kind,
              a.status,
              a.sessionId,
              a.turnId ?? "-",
              what(a.details)
            ])
          )
    );
    return ExitCode.ok;
  }
};

function what(details: Record<string, unknown>): string {
  const command = details.command;
  if (typeof command === "string") return command;
  if (Array.isArray(command)) return command.join(" ");
  if (typeof details.reason === "string") return details.reason;
  return "";
}

/** `baa approve ID [--for-session]` / `baa decline ID`: answer one approval. */
function answerCommand(name: "approve" | "decline"): Command {
  return {
    name,
    usage:
      name === "approve"
        ? "approve ID                  accept an approval (--for-session: for the rest of the session)"
        : "decline ID                  decline an approval",
    flags: name === "approve" ? { "for-session": { type: "boolean" } } : {},
    arity: [1, 1],
    async run({ args, flags, client, out }) {
      const id = args[0] as string;
      const decision =
        name === "decline" ? "decline" : flags["for-session"] === true ? "acceptForSession" : "accept";
      const { approval } = await client.post<{ approval: ApprovalView }>(
        `/v1/codex/approvals/${encodeURIComponent(id)}`,
        { decision }
      );
      printResult(
        out,
        { approval },
        () => `approval ${approval.approvalId} ${approval.status} (${decision})`
      );
      return ExitCode.ok;
    }
  };
}

export const approveCommand = answerCommand("approve");
export const declineCommand = answerCommand("decline");
